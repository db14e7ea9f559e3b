package silence

import (
	"maps"
	"slices"

	"github.com/compasshq/compass/bot"
	"github.com/compasshq/compass/bot/amapi"
)

// Matchers are what a silence of inc matches: an equality matcher per
// label of the alert group's grouping labels, which identify the group in
// Alertmanager, so alerts joining the group later are muted too; or, when
// the notification carried none (group_by: []), its common labels, which
// every alert of the group has. Nil when there is neither: a silence
// matching everything is never made.
func Matchers(inc *bot.Incident) []amapi.Matcher {
	labels := inc.GroupLabels
	if len(labels) == 0 {
		labels = inc.Labels
	}
	var ms []amapi.Matcher
	for _, k := range slices.Sorted(maps.Keys(labels)) {
		if labels[k] != "" {
			ms = append(ms, amapi.Equal(k, labels[k]))
		}
	}
	return ms
}
