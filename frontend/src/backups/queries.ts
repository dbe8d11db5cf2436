// The backups list (with the point-in-time archive's size), shared by the Backups page and the
// administrator's home page, and the backup folder.
import { useQuery } from '@tanstack/react-query';
import { api, unwrap } from '../api';
import type { BackupList } from '../api/types';

export const BACKUPS_KEY = ['backups'] as const;
export const BACKUP_FOLDER_KEY = ['backups', 'folder'] as const;
const LIST_KEY = ['backups', 'list'] as const;

function useBackupListQuery<T>(select: (l: BackupList) => T) {
  return useQuery({
    queryKey: LIST_KEY,
    queryFn: () => unwrap(api.client.GET('/api/v1/backups')),
    select,
    refetchInterval: 5 * 60_000,
  });
}

const items = (l: BackupList) => l.items;
const whole = (l: BackupList) => l;

/** useBackups lists the backups, newest first; refreshed every few minutes (scheduled backups run by themselves). */
export function useBackups() {
  return useBackupListQuery(items);
}

/** useBackupList is the list with the archive's usage. */
export function useBackupList() {
  return useBackupListQuery(whole);
}

/** useBackupFolder is where backups go, and whether it can be changed here. */
export function useBackupFolder() {
  return useQuery({
    queryKey: BACKUP_FOLDER_KEY,
    queryFn: () => unwrap(api.client.GET('/api/v1/backups/folder')),
  });
}
