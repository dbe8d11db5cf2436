// The notification bell's logic, apart from React: where a notification's type leads, how the
// unread count is shown, and the optimistic changes to the cached page when one or all are
// marked read.
import type { Schemas } from '../api';
import type { AreaKey } from '../shell/areas';

export type Notification = Schemas['Notification'];
export type NotificationPage = Schemas['NotificationPage'];

/** How many notifications the bell lists (the newest). */
export const BELL_LIMIT = 20;
/** How often the unread count is polled. */
export const POLL_MS = 60_000;
/** The largest count the badge spells out; more is "9+". */
export const BADGE_MAX = 9;

export interface NotificationLink {
  /** The area the link leads into (the user must see it for the link to show). */
  area: AreaKey;
  to: string;
  /** The catalog key of the link's text, under notifications.links. */
  label: 'backups' | 'pharmacyAlerts';
}

/**
 * notificationLink is where a notification's type has an obvious place: the backups screen
 * for failed or overdue backups and failing WAL archiving, the pharmacy's alerts for low stock
 * and expiring or expired batches. null: nowhere in particular.
 */
export function notificationLink(type: string): NotificationLink | null {
  if (type.startsWith('backup_') || type.startsWith('wal_archive')) return { area: 'backups', to: '/backups', label: 'backups' };
  if (type === 'low_stock' || type.startsWith('expir') || type.endsWith('_stock')) {
    return { area: 'pharmacy', to: '/pharmacy/alerts', label: 'pharmacyAlerts' };
  }
  return null;
}

/** badgeText: the unread count for the badge ("3", "9+"), or null when there is nothing unread. */
export function badgeText(count: number | null | undefined, max = BADGE_MAX): string | null {
  if (!count || count <= 0 || !Number.isFinite(count)) return null;
  return count > max ? `${max}+` : String(Math.floor(count));
}

/** markOneRead is the page with one notification read (the unread count one less if it was unread). */
export function markOneRead(page: NotificationPage, id: number): NotificationPage {
  let changed = false;
  const items = page.items.map((n) => {
    if (n.id !== id || n.is_read) return n;
    changed = true;
    return { ...n, is_read: true };
  });
  if (!changed) return page;
  return { ...page, items, unread_count: Math.max(0, page.unread_count - 1) };
}

/** markAllReadPage is the page with every notification read and nothing unread. */
export function markAllReadPage(page: NotificationPage): NotificationPage {
  return { ...page, items: page.items.map((n) => (n.is_read ? n : { ...n, is_read: true })), unread_count: 0 };
}

/** putNotification puts the server's answer for one notification into the page. */
export function putNotification(page: NotificationPage, n: Notification): NotificationPage {
  return { ...page, items: page.items.map((x) => (x.id === n.id ? n : x)) };
}
