/** One Server-Sent Event, or a comment line (`: heartbeat`), as a browser's EventSource would see the stream. */
export interface SseMessage {
  event?: string;
  id?: string;
  data?: string;
  retry?: string;
  comment?: string;
}

/** Opens `GET url` as an event stream; `messages()` yields each message until the server closes it. */
export async function openEventStream(url: string, apiKey: string, headers: Record<string, string> = {}) {
  const abort = new AbortController();
  const response = await fetch(url, {
    headers: { Authorization: `Bearer ${apiKey}`, Accept: 'text/event-stream', ...headers },
    signal: abort.signal,
  });
  async function* messages(): AsyncGenerator<SseMessage> {
    if (!response.body) return;
    const decoder = new TextDecoder();
    let buffer = '';
    try {
      for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
        buffer += decoder.decode(chunk, { stream: true });
        for (let end = buffer.indexOf('\n\n'); end >= 0; end = buffer.indexOf('\n\n')) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const message: SseMessage = {};
          for (const line of block.split('\n')) {
            if (line.startsWith(':')) message.comment = line.slice(1).trim();
            else {
              const [field, ...rest] = line.split(':');
              const value = rest.join(':').replace(/^ /, '');
              if (field === 'data') message.data = message.data === undefined ? value : `${message.data}\n${value}`;
              else if (field === 'event' || field === 'id' || field === 'retry') message[field] = value;
            }
          }
          yield message;
        }
      }
    } catch (error) {
      if (!abort.signal.aborted) throw error;
    }
  }
  return { response, messages: messages(), close: () => abort.abort() };
}
