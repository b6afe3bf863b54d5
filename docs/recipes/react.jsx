// React: one EventSource per mounted component, closed by the effect's cleanup.
// Under <StrictMode> (development) React mounts, unmounts and mounts again: the first
// source is closed by the cleanup before the second opens, so one connection stays.
import { useEffect, useState } from 'react';
import { EventSource } from 'eventsource-wasm';

/** The events of `types` (default: unnamed `message` events) from `url`, oldest first. */
export function useEventSource(url, types = ['message']) {
  const [events, setEvents] = useState([]);
  const typeList = types.join(',');
  useEffect(() => {
    setEvents([]);
    const source = new EventSource(url);
    const onEvent = (e) => setEvents((seen) => [...seen, { type: e.type, data: e.data, id: e.lastEventId }]);
    for (const type of typeList.split(',')) source.addEventListener(type, onEvent);
    return () => source.close(); // unmount, a new url, or StrictMode's rehearsal
  }, [url, typeList]);
  return events;
}

export function Feed({ url }) {
  const events = useEventSource(url, ['message', 'ping']);
  return (
    <ul>
      {events.map((e, i) => <li key={i}>{e.type}: {e.data}</li>)}
    </ul>
  );
}
