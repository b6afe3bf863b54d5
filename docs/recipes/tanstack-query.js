// TanStack Query v5: `streamedQuery` turns the source's async iterator into query data
// (an array of chunks). Query passes a `signal` that aborts when the query is cancelled
// or its last observer goes away; given to the EventSource, it closes the connection.
// The same options work with useQuery from @tanstack/react-query, vue-query, etc.
import { experimental_streamedQuery as streamedQuery } from '@tanstack/query-core';
import { EventSource } from 'eventsource-wasm';

export function sseQueryOptions(url) {
  return {
    queryKey: ['sse', url],
    queryFn: streamedQuery({
      streamFn: async function* ({ signal }) {
        // Reading `signal` tells Query the stream can be cancelled.
        for await (const { type, data } of new EventSource(url, { signal })) {
          yield { type, data };
        }
      },
    }),
    staleTime: Infinity, // a live stream: no refetch on focus or mount
  };
}
