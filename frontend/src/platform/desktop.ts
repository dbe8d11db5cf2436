// The desktop app's own actions, bound by Wails (window.go.app.Desktop). They exist only in
// the desktop window: in a LAN browser desktop() is null and the screens hide what needs it.
// Every call goes through here, behind that check.

/** LANStatus is what the desktop answers about LAN sharing. */
export interface LANStatus {
  enabled: boolean;
  /** URLs the clinic's other workstations open, e.g. https://192.168.1.10:7300 */
  addresses: string[];
  /** A QR code of the first address, as a data:image/png URL. */
  qr_png_data_url: string;
  /** The address by the advertised mDNS name, e.g. https://chelal.local:7300. */
  name_address?: string;
  /** The plain-HTTP page that onboards a workstation (the clinic's CA to install). */
  welcome_url?: string;
  /** SHA-256 fingerprint of the clinic's CA, to compare on each workstation. */
  fingerprint?: string;
}

export interface DesktopBinding {
  LANStatus(): Promise<LANStatus>;
  SetLANSharing(on: boolean): Promise<LANStatus>;
  OpenDataFolder(): Promise<void>;
  /** ChooseFolder asks for a folder (the backup folder); "" when cancelled. Older desktop builds lack it. */
  ChooseFolder?(title: string): Promise<string>;
  /** ChooseOpenFile asks for a file to open (a backup on a USB drive); "" when cancelled. Older desktop builds lack it. */
  ChooseOpenFile?(title: string): Promise<string>;
}

declare global {
  interface Window {
    go?: { app?: { Desktop?: Partial<DesktopBinding> } };
  }
}

/** desktop returns the bound methods when running in the desktop window, else null. */
export function desktop(): DesktopBinding | null {
  if (typeof window === 'undefined') return null;
  const d = window.go?.app?.Desktop;
  if (!d || typeof d.LANStatus !== 'function' || typeof d.SetLANSharing !== 'function' || typeof d.OpenDataFolder !== 'function') {
    return null;
  }
  return d as DesktopBinding;
}

export function isDesktop(): boolean {
  return desktop() !== null;
}

/** chooseFolder is the desktop's folder dialog when this window has it, else null (a LAN browser, an older desktop). */
export function chooseFolder(): ((title: string) => Promise<string>) | null {
  const d = desktop();
  return d && typeof d.ChooseFolder === 'function' ? (title) => d.ChooseFolder!(title) : null;
}

/** chooseOpenFile is the desktop's open-file dialog when this window has it, else null. */
export function chooseOpenFile(): ((title: string) => Promise<string>) | null {
  const d = desktop();
  return d && typeof d.ChooseOpenFile === 'function' ? (title) => d.ChooseOpenFile!(title) : null;
}
