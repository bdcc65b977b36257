import type { Server } from 'node:http';
import type { Logger } from 'pino';
import { createApp } from '../../api/app';
import { connectDatabase } from '../../db/connect';
import { createLogger } from '../../logger';
import { loadSettings, type Settings } from '../../settings';
import { createFileStores } from '../../storage/stores';
import { connectClient } from '../../temporal/connect';
import { untilSignal } from '../action';

export interface RunningApi {
  server: Server;
  url: string;
  close(): Promise<void>;
}

export async function startApi(settings: Settings, logger: Logger): Promise<RunningApi> {
  const database = connectDatabase(settings.databaseUrl);
  const temporal = await connectClient(settings);
  const app = createApp({ settings, database, temporal, files: createFileStores(settings.dataDir), logger });
  const server = await new Promise<Server>((resolve) => {
    const listening = app.listen(settings.port, () => resolve(listening));
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : settings.port;
  return {
    server,
    url: `http://localhost:${port}`,
    async close() {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await temporal.connection.close();
      await database.close();
    },
  };
}

export async function api(): Promise<void> {
  const settings = loadSettings();
  const logger = createLogger(settings.logLevel, 'mailroom-api');
  const running = await startApi(settings, logger);
  logger.info({ url: running.url }, 'API listening');
  await untilSignal();
  await running.close();
}
