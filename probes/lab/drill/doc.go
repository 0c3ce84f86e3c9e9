// Package drill scores a trainee on a hidden fault of the training estate
// (`triage lab --drill`): which fault to play (a name, a seeded random pick
// or a seeded series), what the expert would do for it (the knowledge
// table), what the trainee did on the screen (events reported by the
// screen's observer and by the guard's outcomes), when the drill ends
// (cleared and green, quit, or the time limit), the score and the Markdown
// debrief written to the state directory. docs/drills.md describes the
// scoring; nothing here imports the screen.
package drill
