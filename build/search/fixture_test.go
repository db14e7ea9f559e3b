package search_test

import (
	"github.com/compasshq/compass/build/search"
)

// fixtureDocs is a small handbook used by the ranking tests until (and in
// addition to) the real content/ handbook.
func fixtureDocs() []search.Document {
	rb := func(page, title, section, anchor, text, team string, tags ...string) search.Document {
		u := page
		if anchor != "" {
			u += "#" + anchor
		}
		return search.Document{URL: u, Page: page, Title: title, Section: section, Text: text, Kind: "runbook", Team: team, Tags: tags}
	}
	pol := func(page, title, section, anchor, text string, tags ...string) search.Document {
		d := rb(page, title, section, anchor, text, "teamops", tags...)
		d.Kind = "policy"
		return d
	}
	return []search.Document{
		rb("/runbooks/kube-memory-overcommit/", "Kubernetes memory overcommit", "", "",
			"This runbook answers the KubeMemoryOvercommit alert: the cluster has overcommitted memory requests and cannot tolerate a node failure.", "sre", "capacity", "oncall"),
		rb("/runbooks/kube-memory-overcommit/", "Kubernetes memory overcommit", "Diagnose", "diagnose",
			"Compare the sum of memory requests with allocatable memory across nodes. Use kubectl describe nodes.", "sre", "capacity", "oncall"),
		rb("/runbooks/kube-memory-overcommit/", "Kubernetes memory overcommit", "Mitigate", "mitigate",
			"Add a node to the pool or lower the requests of the largest deployments. Restarting pods does not help.", "sre", "capacity", "oncall"),
		rb("/runbooks/kube-cpu-overcommit/", "Kubernetes CPU overcommit", "", "",
			"KubeCPUOvercommit fires when the CPU requests of all pods exceed what the cluster can give if one node fails.", "sre", "capacity", "oncall"),
		rb("/runbooks/kube-cpu-overcommit/", "Kubernetes CPU overcommit", "Mitigate", "mitigate",
			"Scale the node pool out by one node, then check that the alert resolves within fifteen minutes.", "sre", "capacity"),
		rb("/runbooks/node-filesystem/", "Node filesystem filling up", "", "",
			"NodeFilesystemSpaceFillingUp predicts that a filesystem on a node runs out of space within 24 hours. Disk full is an outage waiting to happen.", "sre", "disk", "oncall"),
		rb("/runbooks/node-filesystem/", "Node filesystem filling up", "Free space", "free-space",
			"Delete old container images with crictl rmi --prune and rotate the journal. Never delete the etcd data directory.", "sre", "disk"),
		rb("/runbooks/postgres-replication/", "Postgres replication lag", "", "",
			"The replica is behind the primary. Check the network between availability zones and the write load.", "data", "database"),
		rb("/runbooks/postgres-replication/", "Postgres replication lag", "Escalate", "escalate",
			"If the lag grows past ten minutes, page the database on-call engineer and open an incident.", "data", "database", "oncall"),
		pol("/policies/oncall/", "On-call policy", "", "",
			"Everyone in an engineering team takes part in the on-call rotation. A shift is one week long and hands off on Monday.", "oncall"),
		pol("/policies/oncall/", "On-call policy", "Escalation", "escalation",
			"If the primary does not acknowledge a page within five minutes, the secondary is paged. Escalate to the incident commander for outages.", "oncall", "incidents"),
		pol("/policies/oncall/", "On-call policy", "Compensation", "compensation",
			"Each on-call week earns a day off. Pages outside working hours are paid at the overtime rate.", "oncall"),
		pol("/policies/time-off/", "Time off", "", "",
			"Take the time you need. Tell your team two weeks ahead for anything longer than three days and hand off your on-call shift.", "people"),
		pol("/policies/time-off/", "Time off", "Sick leave", "sick-leave",
			"When you are ill, stay home and rest. No doctor's note is needed for short absences.", "people"),
		pol("/policies/change-management/", "Change management", "", "",
			"Every production change goes through a pull request with a reviewer. Emergency changes are reviewed after the fact.", "changes"),
		pol("/policies/change-management/", "Change management", "Freeze windows", "freeze-windows",
			"No deploys during the end-of-year freeze, except fixes for incidents. The release manager approves exceptions.", "changes"),
	}
}
