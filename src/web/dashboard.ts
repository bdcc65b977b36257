import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { call } from './api';
import type { Notification, Page, ScheduleView, TaskList, TaskView } from './api-types';

const POLL_MS = 3000;
const SCHEDULES_EVERY = 10; // polls: schedules change rarely, and each read asks Temporal

export interface Dashboard {
  tasks: TaskView[];
  notifications: Notification[];
  schedules: ScheduleView[];
  /** Notifications that arrived while the page was open: shown once as toasts. */
  fresh: Notification[];
  dismiss(id: string): void;
  refresh(): void;
  failure?: string;
}

/**
 * The signed-in user's tasks, unread notifications and schedules, read again every few seconds (live
 * progress itself comes over SSE, see live-progress.ts) and at once after an action.
 */
export function useDashboard(): Dashboard {
  const [tasks, setTasks] = useState<TaskView[]>([]);
  const [notifications, setNotifications] = useState<Notification[]>([]);
  const [schedules, setSchedules] = useState<ScheduleView[]>([]);
  const [fresh, setFresh] = useState<Notification[]>([]);
  const [failure, setFailure] = useState<string>();
  const seen = useRef<Set<string> | undefined>(undefined);
  const polls = useRef(0);
  const schedulesWanted = useRef(true);
  const [tick, setTick] = useState(0);

  const refresh = useCallback(() => {
    schedulesWanted.current = true;
    setTick((n) => n + 1);
  }, []);
  const dismiss = useCallback((id: string) => setFresh((list) => list.filter((n) => n.id !== id)), []);

  useEffect(() => {
    let stopped = false;
    const withSchedules = schedulesWanted.current || ++polls.current % SCHEDULES_EVERY === 0;
    schedulesWanted.current = false;
    void Promise.all([
      call<TaskList>('GET', '/v1/tasks?limit=20'),
      call<Page<Notification>>('GET', '/v1/notifications?limit=50'),
      withSchedules ? call<Page<ScheduleView>>('GET', '/v1/schedules?limit=50') : undefined,
    ]).then(
      ([taskPage, notificationPage, schedulePage]) => {
        if (stopped) return;
        setTasks(taskPage.items);
        setNotifications(notificationPage.items);
        if (schedulePage) setSchedules(schedulePage.items);
        setFailure(undefined);
        // The first read only learns what is already there; later ones toast what is new.
        const known = seen.current;
        if (known) {
          const arrived = notificationPage.items.filter((n) => !known.has(n.id));
          if (arrived.length) setFresh((list) => [...arrived, ...list].slice(0, 3));
        }
        seen.current = new Set([...(known ?? []), ...notificationPage.items.map((n) => n.id)]);
      },
      (error: Error) => !stopped && setFailure(error.message),
    );
    const timer = setTimeout(() => !stopped && setTick((n) => n + 1), POLL_MS);
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, [tick]);

  return { tasks, notifications, schedules, fresh, dismiss, refresh, failure };
}
