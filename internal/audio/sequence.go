package audio

import (
	"errors"
	"fmt"
	"time"
)

// Sequence decodes recordings one after another as one Source: the takes
// of a room recording, each a MediaRecorder run and so a file of its own
// (a reload or a closed lid starts a new one). Each take is opened only
// when the one before it has been decoded, so one is open at a time; the
// first is opened by Sequence, for its Info. Every take must decode to the
// same number of channels.
func Sequence(takes []func() (Source, error)) (Source, error) {
	if len(takes) == 0 {
		return nil, ErrEmpty
	}
	first, err := takes[0]()
	if err != nil {
		return nil, fmt.Errorf("take 1 of %d: %w", len(takes), err)
	}
	return &sequence{takes: takes, cur: first, info: first.Info(), channels: first.OutChannels()}, nil
}

type sequence struct {
	takes    []func() (Source, error)
	cur      Source // open take, nil once decoded
	info     Info
	channels int
	samples  int64 // decoded by the takes before cur
	done     bool
}

func (s *sequence) Info() Info {
	info := s.info
	if s.done {
		info.Duration = time.Duration(s.samples) * time.Second / Rate
	}
	return info
}

func (s *sequence) OutChannels() int { return s.channels }

func (s *sequence) OutSamples() int64 {
	if s.done || s.cur == nil {
		return s.samples
	}
	return s.samples + s.cur.OutSamples()
}

func (s *sequence) Decode(fn func(block [][]int16) error) error {
	if s.done {
		return errors.New("audio: a sequence of takes can be decoded once")
	}
	for i := range s.takes {
		if i > 0 {
			src, err := s.takes[i]()
			if err != nil {
				return fmt.Errorf("take %d of %d: %w", i+1, len(s.takes), err)
			}
			if src.OutChannels() != s.channels {
				_ = src.Close()
				return fmt.Errorf("%w: take %d of %d has %d channels, the first %d", ErrCorrupt, i+1, len(s.takes), src.OutChannels(), s.channels)
			}
			s.cur = src
		}
		err := s.cur.Decode(fn)
		n := s.cur.OutSamples()
		_ = s.cur.Close()
		s.cur = nil
		if err != nil {
			return fmt.Errorf("take %d of %d: %w", i+1, len(s.takes), err)
		}
		s.samples += n
	}
	s.done = true
	return nil
}

func (s *sequence) Close() error {
	if s.cur != nil {
		err := s.cur.Close()
		s.cur = nil
		return err
	}
	return nil
}
