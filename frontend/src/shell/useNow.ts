// useNow: the time, ticking (every 30 s by default), for what shows "since" or "until" now.
import { useInterval } from '@mantine/hooks';
import { useEffect, useState } from 'react';

export function useNow(everyMs = 30_000): number {
  const [now, setNow] = useState(() => Date.now());
  const interval = useInterval(() => setNow(Date.now()), everyMs);
  useEffect(() => {
    interval.start();
    return interval.stop;
  }, []);
  return now;
}
