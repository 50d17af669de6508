/* Submitting ring-buffer events without a wake-up per event: waking the
 * reader costs more than the event itself at high rates. The reader is
 * woken once a batch is waiting, and polls at least every 100 ms anyway
 * (user/lib/bpf/runloop.c), so an event is never later than that. */
#ifndef SRETRACE_EVENTS_BPF_H
#define SRETRACE_EVENTS_BPF_H

#define EVENTS_WAKE_BYTES (64 * 1024)

static __always_inline void submit_event(void *ringbuf, void *event)
{
	__u64 waiting = bpf_ringbuf_query(ringbuf, BPF_RB_AVAIL_DATA);

	bpf_ringbuf_submit(event, waiting >= EVENTS_WAKE_BYTES ? BPF_RB_FORCE_WAKEUP : BPF_RB_NO_WAKEUP);
}

#endif
