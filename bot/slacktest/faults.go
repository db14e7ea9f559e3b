package slacktest

import (
	"math/rand/v2"
	"time"
)

// script is the fault plan beyond FailNext: a period during which every
// call fails, and failures at random.
type script struct {
	until  time.Time // FailFor: calls before this fail with during
	during Failure
	p      float64 // FailRandomly: the chance that a call fails
	random []Failure
	rnd    *rand.Rand
}

// FailFor makes every call fail with f for d from now, as in a Slack
// outage; calls after that are answered again. FailFor(0, f) ends an
// outage now.
func (s *Server) FailFor(d time.Duration, f Failure) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.script.until, s.script.during = time.Now().Add(d), f
}

// FailRandomly makes each call fail with probability p, with one of fs
// chosen at random (a seeded source: runs repeat); p = 0 stops it.
func (s *Server) FailRandomly(p float64, seed uint64, fs ...Failure) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.script.p, s.script.random = p, fs
	s.script.rnd = rand.New(rand.NewPCG(seed, seed))
}

// scripted returns the failure the script has for the call now, or nil;
// s.mu is held.
func (s *Server) scripted() *Failure {
	sc := &s.script
	if time.Now().Before(sc.until) {
		f := sc.during
		return &f
	}
	if sc.p > 0 && len(sc.random) > 0 && sc.rnd.Float64() < sc.p {
		f := sc.random[sc.rnd.IntN(len(sc.random))]
		return &f
	}
	return nil
}
