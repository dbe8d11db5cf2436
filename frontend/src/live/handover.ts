// Clinical hand-over notifications: the kinds a user may choose to receive (stored in their
// preferences under "handover", which the server reads when it notifies), and the chime.

/** The hand-over kinds; the server's notification types are "handover_" + kind. */
export const HANDOVER_KINDS = ['checkin', 'vitals', 'prescriptions', 'bill', 'lab'] as const;
export type HandoverKind = (typeof HANDOVER_KINDS)[number];

export type HandoverPrefs = Record<HandoverKind, boolean> & { sound: boolean };

export function isHandover(notificationType: string): boolean {
  return notificationType.startsWith('handover_');
}

/** handoverPrefs reads the user's choices; every kind is on and the sound off until chosen. */
export function handoverPrefs(preferences: unknown): HandoverPrefs {
  const raw = (preferences && typeof preferences === 'object' ? (preferences as Record<string, unknown>).handover : undefined) as Record<string, unknown> | undefined;
  const out = { sound: raw?.sound === true } as HandoverPrefs;
  for (const k of HANDOVER_KINDS) out[k] = raw?.[k] !== false;
  return out;
}

/** CHIME_URL is the bundled chime (public/sounds): nothing is fetched from elsewhere. */
export const CHIME_URL = '/sounds/chime.wav';

/** playChime plays the chime once; a browser that refuses (no user gesture yet) stays silent. */
export function playChime() {
  try {
    const a = new Audio(CHIME_URL);
    void a.play().catch(() => {});
  } catch {
    // no audio here
  }
}
