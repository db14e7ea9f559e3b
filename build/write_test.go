package build

import (
	"testing"
)

func TestSearchDocumentsRunbookFacts(t *testing.T) {
	s := loadSite(t, `
-- content/runbooks/memory.md --
---
title: Memory overcommit
description: When the cluster promises more memory than it has.
kind: runbook
alerts: [KubeMemoryOvercommit, KubeMemoryQuotaOvercommit]
services: [kubernetes]
severity: warning
---
Check the quotas first.

## Steps

Scale the nodes.
-- content/runbooks/disk.md --
---
title: Disk
kind: runbook
alerts: ["NodeFilesystem*"]
---
## Steps

Free space.
-- content/guide.md --
---
title: Guide
description: Plain page.
---
Some text.
`)
	tests := []struct {
		name, url, want string
	}{
		{"alerts and services", "/runbooks/memory/", "When the cluster promises more memory than it has.\nCheck the quotas first.\nAlerts: KubeMemoryOvercommit, KubeMemoryQuotaOvercommit.\nServices: kubernetes."},
		{"alerts only, no prose", "/runbooks/disk/", "Alerts: NodeFilesystem*."},
		{"not a runbook", "/guide/", "Plain page.\nSome text."},
	}
	docs := s.SearchDocuments()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, d := range docs {
				if d.URL == tt.url {
					if d.Text != tt.want {
						t.Errorf("intro text = %q, want %q", d.Text, tt.want)
					}
					return
				}
			}
			t.Fatalf("no intro document for %s", tt.url)
		})
	}
	for _, d := range docs {
		if d.URL == "/runbooks/memory/#steps" && d.Text != "Scale the nodes." {
			t.Errorf("section text = %q, want only the section's prose", d.Text)
		}
	}
}
