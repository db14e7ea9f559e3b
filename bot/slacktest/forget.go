package slacktest

import (
	"fmt"
	"slices"
	"strings"
)

// Forget drops the stored messages and recorded calls whose marker id
// (metadata event_payload "id") starts with prefix, so that a long soak
// test keeps the fake's memory flat once it has checked them.
func (s *Server) Forget(prefix string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	marked := func(md *Metadata) bool {
		return md != nil && strings.HasPrefix(fmt.Sprint(md.EventPayload["id"]), prefix)
	}
	s.msgs = slices.DeleteFunc(s.msgs, func(m *Message) bool { return marked(m.Metadata) })
	s.calls = slices.DeleteFunc(s.calls, func(c Call) bool { return marked(c.Metadata) })
}
