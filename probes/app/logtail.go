package app

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
)

// Bounds of the log follower: what one round reads, and how long a line may be.
const (
	maxLogReadPerRound = 4 << 20
	maxLogLineBytes    = 16 << 10
)

// logFollower reads what was appended to a log file since its previous read,
// like `tail -F`: the first open starts at the end (old lines are history,
// not the incident), a replaced file (rotation: rename and create) is drained
// and then read from its start, a truncated file (copytruncate) from its start.
// Memory is bounded by maxLogLineBytes; a round reads at most
// maxLogReadPerRound bytes and skips older bytes when it has fallen behind.
type logFollower struct {
	path    string
	f       *os.File
	info    os.FileInfo // of f, to recognise the file after a rotation
	off     int64
	partial []byte // an unterminated last line, completed by the next read
	// mark holds the last bytes before off, to notice a file truncated and
	// rewritten past off between two reads.
	mark   []byte
	opened bool // the path was opened once: later opens read from the start

	// Rotations, Truncations and SkippedBytes count what happened so far.
	Rotations, Truncations int
	SkippedBytes           int64
}

// close releases the open file.
func (l *logFollower) close() error {
	if l.f == nil {
		return nil
	}
	err := l.f.Close()
	l.f, l.info = nil, nil
	return err
}

// read calls line for every complete line appended since the previous read;
// the slice is only valid during the call.
// It returns an error only when the file cannot be opened or read; a path
// missing after a rotation keeps the old file open and reads from it.
func (l *logFollower) read(line func([]byte)) error {
	budget := int64(maxLogReadPerRound)
	if l.f == nil {
		if err := l.open(); err != nil {
			if errors.Is(err, os.ErrNotExist) {
				l.opened = true // a file created later is read from its start
			}
			return err
		}
		if !l.opened {
			l.opened = true
			l.off = l.info.Size()
			l.remember()
			return nil
		}
	}
	st, err := os.Stat(l.path)
	switch {
	case err != nil && errors.Is(err, os.ErrNotExist):
		// Renamed away and not yet recreated: the writer may still hold the old file.
	case err != nil:
		return fmt.Errorf("stat %s: %w", l.path, err)
	case !os.SameFile(st, l.info):
		n, err := l.drain(line, budget)
		if err != nil {
			return err
		}
		budget -= n
		_ = l.close()
		l.Rotations++
		l.off, l.partial, l.mark = 0, nil, nil
		if err := l.open(); err != nil {
			return err
		}
	}
	_, err = l.drain(line, budget)
	return err
}

func (l *logFollower) open() error {
	f, err := os.Open(l.path)
	if err != nil {
		return fmt.Errorf("open log: %w", err)
	}
	fi, err := f.Stat()
	if err != nil {
		_ = f.Close()
		return fmt.Errorf("stat log: %w", err)
	}
	if !fi.Mode().IsRegular() {
		_ = f.Close()
		return fmt.Errorf("%s is not a regular file", l.path)
	}
	l.f, l.info = f, fi
	return nil
}

// drain reads the open file from l.off to its current end, at most budget
// bytes (the newest ones), and returns how many bytes it read.
func (l *logFollower) drain(line func([]byte), budget int64) (int64, error) {
	fi, err := l.f.Stat()
	if err != nil {
		return 0, fmt.Errorf("stat log: %w", err)
	}
	size := fi.Size()
	if size < l.off || !l.marked() { // truncated in place (copytruncate), maybe rewritten since
		l.Truncations++
		l.off, l.partial, l.mark = 0, nil, nil
	}
	defer l.remember()
	if size-l.off > budget {
		skip := size - budget - l.off
		l.SkippedBytes += skip
		l.off += skip
		l.partial = l.partial[:0]
		// The read now starts mid-line: drop up to the first newline.
		return l.scan(line, size, true)
	}
	return l.scan(line, size, false)
}

// scan reads [l.off, size) line by line; skipFirst drops the first line
// (a fragment after skipping).
func (l *logFollower) scan(line func([]byte), size int64, skipFirst bool) (int64, error) {
	start := l.off
	r := bufio.NewReaderSize(io.NewSectionReader(l.f, l.off, size-l.off), 64<<10)
	for {
		chunk, err := r.ReadSlice('\n')
		l.off += int64(len(chunk))
		complete := len(chunk) > 0 && chunk[len(chunk)-1] == '\n'
		if len(l.partial)+len(chunk) <= maxLogLineBytes {
			l.partial = append(l.partial, chunk...)
		} else if room := maxLogLineBytes - len(l.partial); room > 0 {
			l.partial = append(l.partial, chunk[:room]...)
		}
		if complete {
			if !skipFirst {
				text := l.partial
				for len(text) > 0 && (text[len(text)-1] == '\n' || text[len(text)-1] == '\r') {
					text = text[:len(text)-1]
				}
				line(text)
			}
			skipFirst = false
			l.partial = l.partial[:0]
		}
		switch {
		case err == nil, errors.Is(err, bufio.ErrBufferFull):
			continue
		case errors.Is(err, io.EOF):
			return l.off - start, nil
		default:
			return l.off - start, fmt.Errorf("read log: %w", err)
		}
	}
}

// markBytes is how much of the text before the read offset is remembered.
const markBytes = 64

// remember keeps the bytes just before l.off.
func (l *logFollower) remember() {
	n := min(l.off, markBytes)
	buf := make([]byte, n)
	if _, err := l.f.ReadAt(buf, l.off-n); err != nil {
		l.mark = nil
		return
	}
	l.mark = buf
}

// marked reports whether the bytes before l.off are still the ones read:
// false when the file was truncated and written past l.off again.
func (l *logFollower) marked() bool {
	if len(l.mark) == 0 {
		return true
	}
	buf := make([]byte, len(l.mark))
	if _, err := l.f.ReadAt(buf, l.off-int64(len(buf))); err != nil {
		return false
	}
	return string(buf) == string(l.mark)
}
