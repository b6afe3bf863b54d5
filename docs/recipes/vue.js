// Vue 3: a composable whose source lives as long as the calling component (or effect
// scope). Render functions here; in a single-file component, use it the same way in
// <script setup>.
import { defineComponent, h, onScopeDispose, shallowRef, triggerRef } from 'vue';
import { EventSource } from 'eventsource-wasm';

/** Reactive list of the events of `types` from `url`; closed with the component. */
export function useEventSource(url, types = ['message']) {
  const events = shallowRef([]);
  const source = new EventSource(url);
  const onEvent = (e) => {
    events.value.push({ type: e.type, data: e.data, id: e.lastEventId });
    triggerRef(events);
  };
  for (const type of types) source.addEventListener(type, onEvent);
  onScopeDispose(() => source.close());
  return { events, close: () => source.close() };
}

export const Feed = defineComponent({
  props: { url: { type: String, required: true } },
  setup(props) {
    const { events } = useEventSource(props.url, ['message', 'ping']);
    return () => h('ul', events.value.map((e, i) => h('li', { key: i }, `${e.type}: ${e.data}`)));
  },
});
