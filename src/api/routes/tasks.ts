import { Router } from 'express';
import type { TaskService } from '../../services/tasks';
import { caller } from '../auth';
import { TaskId, TaskListQuery } from '../schemas';
import { parseRequest } from '../validate';

export function taskRoutes(tasks: TaskService): Router {
  const router = Router();
  router.get('/v1/tasks', async (req, res) => {
    const query = parseRequest(TaskListQuery, req.query, 'query');
    res.json(await tasks.list(caller(req), query));
  });
  router.get('/v1/tasks/:taskId', async (req, res) => {
    const taskId = parseRequest(TaskId, req.params.taskId, 'path');
    res.json(await tasks.get(caller(req), taskId));
  });
  return router;
}
