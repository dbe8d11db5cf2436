import { describe, expect, it } from 'vitest';
import { badgeText, markAllReadPage, markOneRead, notificationLink, putNotification, type Notification, type NotificationPage } from './notifications';

const n = (id: number, is_read = false, notification_type = 'low_stock'): Notification => ({
  id,
  title: `Title ${id}`,
  message: 'Message',
  notification_type,
  is_read,
  created_at: '2026-03-02T09:00:00Z',
});
const page = (items: Notification[], unread_count = items.filter((x) => !x.is_read).length): NotificationPage => ({ items, next_cursor: null, unread_count });

describe('notificationLink', () => {
  it('sends backup and WAL archiving trouble to the backups screen', () => {
    for (const type of ['backup_failed', 'backup_overdue', 'wal_archive_failing']) {
      expect(notificationLink(type), type).toEqual({ area: 'backups', to: '/backups', label: 'backups' });
    }
  });

  it('sends low stock and expiry to the pharmacy alerts', () => {
    for (const type of ['low_stock', 'expiry', 'expired', 'expiring']) {
      expect(notificationLink(type), type).toEqual({ area: 'pharmacy', to: '/pharmacy/alerts', label: 'pharmacyAlerts' });
    }
  });

  it('has no link for other types', () => {
    expect(notificationLink('system')).toBeNull();
    expect(notificationLink('')).toBeNull();
  });
});

describe('badgeText', () => {
  it('is nothing when nothing is unread', () => {
    expect(badgeText(0)).toBeNull();
    expect(badgeText(undefined)).toBeNull();
    expect(badgeText(null)).toBeNull();
    expect(badgeText(-1)).toBeNull();
  });

  it('spells out up to 9, then 9+', () => {
    expect(badgeText(1)).toBe('1');
    expect(badgeText(9)).toBe('9');
    expect(badgeText(10)).toBe('9+');
    expect(badgeText(250)).toBe('9+');
    expect(badgeText(120, 99)).toBe('99+');
  });
});

describe('optimistic changes', () => {
  it('marking one read marks it and lowers the count', () => {
    const before = page([n(3), n(2, true), n(1)], 5);
    const after = markOneRead(before, 3);
    expect(after.items.map((x) => x.is_read)).toEqual([true, true, false]);
    expect(after.unread_count).toBe(4);
    expect(before.items[0]!.is_read).toBe(false); // the cached page is not mutated
  });

  it('marking a read or unknown one changes nothing', () => {
    const before = page([n(2, true), n(1)]);
    expect(markOneRead(before, 2)).toBe(before);
    expect(markOneRead(before, 99)).toBe(before);
  });

  it('the count never goes below zero', () => {
    expect(markOneRead(page([n(1)], 0), 1).unread_count).toBe(0);
  });

  it('marking all read leaves nothing unread', () => {
    const after = markAllReadPage(page([n(2), n(1, true)], 30));
    expect(after.items.every((x) => x.is_read)).toBe(true);
    expect(after.unread_count).toBe(0);
  });

  it("the server's answer replaces the notification", () => {
    const answer = { ...n(2), is_read: true, title: 'Changed' };
    expect(putNotification(page([n(2), n(1)]), answer).items[0]).toEqual(answer);
  });
});
