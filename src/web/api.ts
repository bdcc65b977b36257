import type { Session } from './api-types';

/** An answer of the API that is not 2xx, with the message it gave (already in words). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

let csrfToken = '';

export const rememberSession = (session: Session): void => {
  csrfToken = session.csrfToken;
};

async function failure(response: Response): Promise<ApiError> {
  const body = (await response.json().catch(() => undefined)) as { error?: { message?: string } } | undefined;
  return new ApiError(response.status, body?.error?.message ?? `HTTP ${response.status}`);
}

/** Same-origin JSON call with the session cookie; unsafe methods carry the CSRF token. */
export async function call<T>(method: string, path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { Accept: 'application/json' };
  if (method !== 'GET') headers['X-CSRF-Token'] = csrfToken;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const response = await fetch(path, {
    method,
    headers,
    credentials: 'same-origin',
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!response.ok) throw await failure(response);
  return (response.status === 204 ? undefined : await response.json()) as T;
}

export const currentSession = (): Promise<Session> => call<Session>('GET', '/app/session');
export const signIn = (body: { apiKey: string } | { loginToken: string }): Promise<Session> =>
  call<Session>('POST', '/app/session', body);
export const signOut = (): Promise<void> => call<void>('DELETE', '/app/session');

/** A CSV upload through XMLHttpRequest, the one browser API that reports upload progress. */
export function uploadCsv(file: File, onProgress: (sent: number, total: number) => void): Promise<{ taskId: string }> {
  return new Promise((resolve, reject) => {
    const request = new XMLHttpRequest();
    request.open('POST', '/v1/contacts/import');
    request.setRequestHeader('Content-Type', 'text/csv');
    request.setRequestHeader('X-CSRF-Token', csrfToken);
    request.setRequestHeader('Accept', 'application/json');
    request.upload.onprogress = (event) => onProgress(event.loaded, event.lengthComputable ? event.total : file.size);
    request.onerror = () => reject(new ApiError(0, 'network error'));
    request.onload = () => {
      let body: { taskId?: string; error?: { message?: string } } = {};
      try {
        body = JSON.parse(request.responseText) as typeof body;
      } catch {
        // an answer without JSON: its status says enough
      }
      if (request.status >= 200 && request.status < 300 && body.taskId) resolve({ taskId: body.taskId });
      else reject(new ApiError(request.status, body.error?.message ?? `HTTP ${request.status}`));
    };
    request.send(file);
  });
}
