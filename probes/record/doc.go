// Package record writes a triage session to a JSONL file and plays it back.
//
// The file is one JSON object per line: a header (format version, estate,
// config source, start time, and the part of the config a replay needs,
// never probe keys or secrets), then frames and events in the order they
// happened. A frame is one published snapshot: its round state and only the
// checks whose result changed since the previous frame (a check taken again
// with the same result is written as "same" with its new time), with a full
// keyframe every KeyframeEvery frames. Events are timeline entries from
// outside the probes: lab faults toggled, actions taken.
//
// A Player rebuilds every snapshot exactly (results, in-flight marks,
// history) and feeds them at the recorded pace, scaled by a speed, through
// the same Subscribe/Snapshot/Trigger methods the scheduler offers.
package record
