package capture

import (
	"sync"
	"sync/atomic"
)

// Stats is what the relays of this process are doing, for the metrics
// endpoint: counts only, never who is in a call.
type Stats struct {
	Rooms           int    // calls open
	Participants    int    // participants connected (signaling)
	RecordingTracks int    // audio tracks being recorded now
	PacketsIn       uint64 // RTP packets received and forwarded, since start
	TracksRecorded  uint64 // audio tracks whose recording started, since start
}

var (
	liveRelays     sync.Map // *Relay → struct{}; NewRelay adds, Close removes
	packetsIn      atomic.Uint64
	tracksRecorded atomic.Uint64
)

// ReadStats adds up every open relay of the process. It takes each
// relay's and room's lock briefly, one at a time.
func ReadStats() Stats {
	s := Stats{PacketsIn: packetsIn.Load(), TracksRecorded: tracksRecorded.Load()}
	liveRelays.Range(func(k, _ any) bool {
		r := k.(*Relay)
		r.mu.Lock()
		rooms := make([]*room, 0, len(r.rooms))
		for _, rm := range r.rooms {
			rooms = append(rooms, rm)
		}
		r.mu.Unlock()
		for _, rm := range rooms {
			rm.mu.Lock()
			if !rm.ended {
				s.Rooms++
				s.Participants += len(rm.members)
			}
			for _, t := range rm.tracks {
				if t.rec.Load() != nil {
					s.RecordingTracks++
				}
			}
			rm.mu.Unlock()
		}
		return true
	})
	return s
}
