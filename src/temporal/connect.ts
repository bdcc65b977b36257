import { Client, Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import type { Settings } from '../settings';

type TemporalSettings = Pick<Settings, 'temporalAddress' | 'temporalNamespace' | 'temporalApiKey' | 'temporalTls'>;

const connectionOptions = (s: TemporalSettings) => ({
  address: s.temporalAddress,
  tls: s.temporalTls ? {} : undefined,
  apiKey: s.temporalApiKey,
});

/**
 * The API's channel tries to reconnect at least every second while Temporal is away (gRPC's default backs
 * off to two minutes), so it is ready again within seconds of Temporal's return.
 */
const RECONNECT = { 'grpc.initial_reconnect_backoff_ms': 250, 'grpc.max_reconnect_backoff_ms': 1_000 };

export async function connectClient(settings: TemporalSettings): Promise<Client> {
  const connection = await Connection.connect({ ...connectionOptions(settings), channelArgs: RECONNECT });
  return new Client({ connection, namespace: settings.temporalNamespace });
}

export async function connectWorker(settings: TemporalSettings): Promise<NativeConnection> {
  return NativeConnection.connect(connectionOptions(settings));
}
