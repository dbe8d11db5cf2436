// The notes' autosave, as pure functions: what of the typed text differs from what the server
// has (and so is to be sent), whether a restored draft was written on an older version than the
// server's (a conflict to show, not to overwrite), and the state shown beside the notes.

/** What the server has: the encounter's texts at a version. */
export interface SavedTexts {
  notes: string;
  diagnosis: string;
  version: number;
}

/** What is typed here, with the version it was typed on (kept in the draft). */
export type TypedTexts = {
  notes: string;
  diagnosis: string;
  base_version: number;
};

export interface TextsEdit {
  notes?: string;
  diagnosis?: string;
}

/**
 * pendingEdit is the PATCH body's texts to send (the server trims; so is the comparison), or
 * null when the server has them already. Empty notes are never sent: the server refuses to
 * empty them; see notesBlocked.
 */
export function pendingEdit(saved: SavedTexts, typed: TypedTexts): TextsEdit | null {
  const edit: TextsEdit = {};
  const notes = typed.notes.trim();
  if (notes !== saved.notes.trim() && notes !== '') edit.notes = typed.notes;
  if (typed.diagnosis.trim() !== saved.diagnosis.trim()) edit.diagnosis = typed.diagnosis;
  return Object.keys(edit).length ? edit : null;
}

/** notesBlocked: the notes were emptied while the server has some (the server keeps its text). */
export function notesBlocked(saved: SavedTexts, typed: TypedTexts): boolean {
  return typed.notes.trim() === '' && saved.notes.trim() !== '';
}

/** sameTexts: nothing typed here differs from the server's. */
export function sameTexts(saved: SavedTexts, typed: TypedTexts): boolean {
  return typed.notes.trim() === saved.notes.trim() && typed.diagnosis.trim() === saved.diagnosis.trim();
}

/**
 * draftConflict: a draft (from before a reload, a power cut, another tab) was typed on an
 * older version than the server's, and both changed: someone saved other text meanwhile.
 * Saving the draft over it silently would lose theirs; the page shows both instead.
 */
export function draftConflict(saved: SavedTexts, typed: TypedTexts): boolean {
  return typed.base_version > 0 && typed.base_version !== saved.version && !sameTexts(saved, typed);
}

export type SaveState =
  | 'saved' // the server has what is typed
  | 'pending' // typed, to be sent after the pause
  | 'saving' // a request is out
  | 'offline' // the server is unreachable: kept here, sent when it is back
  | 'blocked' // the notes were emptied: not sent
  | 'error' // refused (shown), kept here
  | 'conflict'; // someone else saved meanwhile: both versions shown

/** saveState is the state to show when no request is out and nothing failed. */
export function idleState(saved: SavedTexts, typed: TypedTexts): SaveState {
  if (pendingEdit(saved, typed)) return 'pending';
  if (notesBlocked(saved, typed)) return 'blocked';
  return 'saved';
}

/** AUTOSAVE_MS: the pause in typing after which the text is sent. */
export const AUTOSAVE_MS = 1500;
/** RETRY_MS: how long after a lost connection the text is sent again. */
export const RETRY_MS = 5000;
