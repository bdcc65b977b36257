import { Client, Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import type { Settings } from '../settings';

type TemporalSettings = Pick<Settings, 'temporalAddress' | 'temporalNamespace' | 'temporalApiKey' | 'temporalTls'>;

const connectionOptions = (s: TemporalSettings) => ({
  address: s.temporalAddress,
  tls: s.temporalTls ? {} : undefined,
  apiKey: s.temporalApiKey,
});

export async function connectClient(settings: TemporalSettings): Promise<Client> {
  const connection = await Connection.connect(connectionOptions(settings));
  return new Client({ connection, namespace: settings.temporalNamespace });
}

export async function connectWorker(settings: TemporalSettings): Promise<NativeConnection> {
  return NativeConnection.connect(connectionOptions(settings));
}
