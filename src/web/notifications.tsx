import { useEffect, useState } from 'preact/hooks';
import { call } from './api';
import type { Notification } from './api-types';
import { notificationText } from './server-texts';
import { useWords } from './words';

/** New notifications as toasts, in a polite live region: "Export ready … — Download". */
export function Toasts({ toasts, onDismiss }: { toasts: Notification[]; onDismiss: (id: string) => void }) {
  const { t } = useWords();
  return (
    <div class="toasts" role="status" aria-live="polite" aria-label={t('notificationsTitle')}>
      {toasts.map((toast) => (
        <Toast key={toast.id} toast={toast} onDismiss={onDismiss} />
      ))}
    </div>
  );
}

/** A toast leaves by itself after a while: the notification stays in the list, its link too. */
const TOAST_MS = 20_000;

function Toast({ toast, onDismiss }: { toast: Notification; onDismiss: (id: string) => void }) {
  const words = useWords();
  const { t } = words;
  useEffect(() => {
    const timer = setTimeout(() => onDismiss(toast.id), TOAST_MS);
    return () => clearTimeout(timer);
  }, [toast.id, onDismiss]);
  return (
    <div class="toast" data-notification-id={toast.id}>
      <p>{notificationText(toast, words)}</p>
      <div class="actions">
        {toast.link && (
          <a href={toast.link} download>
            {t('download')}
          </a>
        )}
        <button type="button" onClick={() => onDismiss(toast.id)}>
          {t('dismiss')}
        </button>
      </div>
    </div>
  );
}

/** Every unread notification, each marked read on demand. */
export function NotificationList({ notifications, onChange }: { notifications: Notification[]; onChange: () => void }) {
  const words = useWords();
  const { t, date } = words;
  const [failure, setFailure] = useState<string>();
  const markRead = (id: string) => {
    setFailure(undefined);
    call('POST', `/v1/notifications/${encodeURIComponent(id)}/read`).then(onChange, (error: Error) =>
      setFailure(error.message),
    );
  };
  return (
    <section aria-labelledby="notifications-title">
      <h2 id="notifications-title">{t('notificationsTitle')}</h2>
      {failure && <p role="alert">{t('error', { message: failure })}</p>}
      {notifications.length === 0 ? (
        <p>{t('noNotifications')}</p>
      ) : (
        <ul class="notifications">
          {notifications.map((notification) => (
            <li key={notification.id}>
              <p>{notificationText(notification, words)}</p>
              <p class="muted">
                {date(notification.createdAt)}
                {notification.link && (
                  <>
                    {' · '}
                    <a href={notification.link} download>
                      {t('download')}
                    </a>
                  </>
                )}
              </p>
              <button type="button" onClick={() => markRead(notification.id)}>
                {t('markRead')}
              </button>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
