package search

import "testing"

func TestStem(t *testing.T) {
	// Expected stems of the Porter2 (English Snowball) algorithm.
	tests := []struct{ name, word, want string }{
		{"short word untouched", "by", "by"},
		{"plural s", "cats", "cat"},
		{"sses", "caresses", "caress"},
		{"ies long", "ponies", "poni"},
		{"ies short", "ties", "tie"},
		{"ss kept", "caress", "caress"},
		{"us kept", "status", "status"},
		{"s after vowel-less stem kept", "gas", "gas"},
		{"ing double consonant", "running", "run"},
		{"ing hopping", "hopping", "hop"},
		{"ed double", "tanned", "tan"},
		{"ing keeps ll", "falling", "fall"},
		{"ing keeps ss", "hissing", "hiss"},
		{"ed keeps zz", "fizzed", "fizz"},
		{"ing no vowel", "sing", "sing"},
		{"short word adds e", "hoping", "hope"},
		{"at adds e", "conflated", "conflat"},
		{"bl adds e", "troubled", "troubl"},
		{"eed in R1", "agreed", "agre"},
		{"eed not in R1", "feed", "feed"},
		{"y to i", "happy", "happi"},
		{"y after vowel", "say", "say"},
		{"cry", "cry", "cri"},
		{"ly", "generously", "generous"},
		{"ization", "organization", "organ"},
		{"ational", "relational", "relat"},
		{"tional", "conditional", "condit"},
		{"fulness", "hopefulness", "hope"},
		{"iveness", "decisiveness", "decis"},
		{"knightly", "knightly", "knight"},
		{"consolidate", "consolidated", "consolid"},
		{"consign", "consignment", "consign"},
		{"consistency", "consistency", "consist"},
		{"conspiracy", "conspiracy", "conspiraci"},
		{"knives", "knives", "knive"},
		{"gener prefix", "generate", "generat"},
		{"commun prefix", "communication", "communic"},
		{"exception skies", "skies", "sky"},
		{"exception dying", "dying", "die"},
		{"exception news", "news", "news"},
		{"invariant after 1a", "succeed", "succeed"},
		{"invariant after 1a plural", "innings", "inning"},
		{"ment", "deployment", "deploy"},
		{"alert", "alerts", "alert"},
		{"overcommit", "overcommitted", "overcommit"},
		{"restart", "restarting", "restart"},
		{"replication", "replication", "replic"},
		{"escalation", "escalation", "escal"},
		{"escalate", "escalate", "escal"},
		{"filesystem", "filesystems", "filesystem"},
		{"digits untouched", "p95", "p95"},
		{"upper case untouched", "Kube", "Kube"},
		{"non-ascii untouched", "données", "données"},
		{"initial y", "yes", "yes"},
		{"Y restored", "enjoying", "enjoy"},
		{"ness", "readiness", "readi"},
		{"li ending", "quickly", "quick"},
		{"ogi", "analogi", "analog"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := stem(tt.word); got != tt.want {
				t.Errorf("Stem(%q) = %q, want %q", tt.word, got, tt.want)
			}
		})
	}
}

func FuzzStem(f *testing.F) {
	for _, w := range []string{"running", "generously", "skies", "a", "yyyy", "eeed", "ied"} {
		f.Add(w)
	}
	f.Fuzz(func(t *testing.T, w string) {
		s := stem(w)
		// A stem is never longer than its word plus the one "e" step 1b may
		// add, and stemming is stable on plain words it leaves alone.
		if len(s) > len(w)+1 {
			t.Fatalf("Stem(%q) = %q: longer than the word", w, s)
		}
		if !isLowerASCII(w) && s != w {
			t.Fatalf("Stem(%q) = %q: non a-z words must be unchanged", w, s)
		}
	})
}
