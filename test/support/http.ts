import { spawnSync } from 'node:child_process';

/** A small client of the API, as a user's script would call it. */
export interface ApiResponse<T = any> {
  status: number;
  headers: Headers;
  body: T;
  text: string;
}

export function apiClient(baseUrl: string, apiKey?: string) {
  async function call<T = any>(
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<ApiResponse<T>> {
    const response = await fetch(`${baseUrl}${path}`, {
      method,
      headers: {
        ...(apiKey ? { Authorization: `Bearer ${apiKey}` } : {}),
        ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
        ...headers,
      },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    const text = await response.text();
    let parsed: unknown = text;
    if ((response.headers.get('content-type') ?? '').includes('application/json')) parsed = JSON.parse(text);
    return { status: response.status, headers: response.headers, body: parsed as T, text };
  }
  return {
    call,
    get: <T = any>(path: string) => call<T>('GET', path),
    post: <T = any>(path: string, body?: unknown, headers?: Record<string, string>) =>
      call<T>('POST', path, body, headers),
    /** Polls a task until it leaves RUNNING. */
    async waitForTask(taskId: string, timeoutMs = 120_000): Promise<any> {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const { status, body } = await call('GET', `/v1/tasks/${taskId}`);
        if (status !== 200) throw new Error(`GET task answered ${status}: ${JSON.stringify(body)}`);
        if (body.status !== 'RUNNING') return body;
        if (Date.now() > deadline)
          throw new Error(`task ${taskId} still running after ${timeoutMs} ms\n${workflowState(taskId)}`);
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    },
  };
}

/**
 * What Temporal says of a task's workflow that did not finish in time (its pending activities and last
 * events), read with the suite's CLI: a hang in CI then names where it waits.
 */
function workflowState(workflowId: string): string {
  const cli = process.env.MAILROOM_TEST_TEMPORAL_CLI;
  const address = process.env.TEMPORAL_ADDRESS;
  if (!cli || !address) return '(no Temporal CLI to describe the workflow)';
  const run = (...args: string[]) => {
    const out = spawnSync(cli, ['workflow', ...args, '--workflow-id', workflowId, '--address', address], {
      encoding: 'utf8',
      timeout: 15_000,
    });
    return `${out.stdout ?? ''}${out.stderr ?? ''}`;
  };
  const events = run('show').split('\n');
  return `${run('describe')}\nlast events:\n${events.slice(-40).join('\n')}`;
}
