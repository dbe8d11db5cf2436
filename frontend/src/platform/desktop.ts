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
}

export interface DesktopBinding {
  LANStatus(): Promise<LANStatus>;
  SetLANSharing(on: boolean): Promise<LANStatus>;
  OpenDataFolder(): Promise<void>;
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
