import type { Response } from 'express';
import type { z } from 'zod';
import { tasksStarted } from '../observability/api-metrics';
import { noteRequestTask } from '../observability/request-observer';
import type { StartedTask } from '../services/tasks';
import type { TaskStarted } from './schemas/responses';

/** The answer of every POST that starts a task: 202, or 200 for the task an Idempotency-Key already started. */
export function respondTaskStarted(res: Response, { task, created }: StartedTask): void {
  const self = `/v1/tasks/${task.id}`;
  const body: z.infer<typeof TaskStarted> = { taskId: task.id, kind: task.kind, status: 'RUNNING', links: { self } };
  noteRequestTask(res, task.id);
  if (created) tasksStarted.inc({ kind: task.kind });
  res
    .status(created ? 202 : 200)
    .location(self)
    .json(body);
}
