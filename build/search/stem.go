package search

// This file holds an English stemmer following the Porter2 ("English
// Snowball") algorithm as published by Martin Porter, written from the
// algorithm's description. The same steps are ported line for line to
// themes/compass/assets/search.js so that the browser and Go reduce every word
// to the same stem; TestStemJSAgreement checks that.
//
// Only words made of the ASCII letters a-z are stemmed; anything else (digits,
// accented letters) is returned unchanged, which keeps the Go and JavaScript
// versions trivially identical on non-ASCII input. Tokens never contain
// apostrophes, so the algorithm's apostrophe steps are left out.

import "strings"

// stemExceptions maps whole words that the rules would stem wrongly to their
// stem, before any rule runs.
var stemExceptions = map[string]string{
	"skis": "ski", "skies": "sky", "dying": "die", "lying": "lie", "tying": "tie",
	"idly": "idl", "gently": "gentl", "ugly": "ugli", "early": "earli", "only": "onli",
	"singly": "singl", "sky": "sky", "news": "news", "howe": "howe", "atlas": "atlas",
	"cosmos": "cosmos", "bias": "bias", "andes": "andes",
}

// stemInvariantAfter1a lists words left alone once step 1a has run.
var stemInvariantAfter1a = map[string]bool{
	"inning": true, "outing": true, "canning": true, "herring": true, "earring": true,
	"proceed": true, "exceed": true, "succeed": true,
}

// stem returns the Porter2 stem of a lower-case word: "running" → "run",
// "overcommitted" → "overcommit". The search index stores stems so that a
// query for "restart" finds "restarting" and "restarts".
func stem(word string) string {
	if len(word) <= 2 || !isLowerASCII(word) {
		return word
	}
	if s, ok := stemExceptions[word]; ok {
		return s
	}
	w := []byte(word)
	// Mark y as a consonant (Y) at the start and after a vowel.
	for i := range w {
		if w[i] == 'y' && (i == 0 || isVowel(w[i-1])) {
			w[i] = 'Y'
		}
	}
	r1, r2 := regions(w)

	w = step1a(w)
	if stemInvariantAfter1a[string(w)] {
		return strings.ReplaceAll(string(w), "Y", "y")
	}
	w = step1b(w, r1)
	w = step1c(w)
	w = step2(w, r1)
	w = step3(w, r1, r2)
	w = step4(w, r2)
	w = step5(w, r1, r2)
	for i := range w {
		if w[i] == 'Y' {
			w[i] = 'y'
		}
	}
	return string(w)
}

func isLowerASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 'a' || s[i] > 'z' {
			return false
		}
	}
	return true
}

func isVowel(c byte) bool {
	switch c {
	case 'a', 'e', 'i', 'o', 'u', 'y':
		return true
	}
	return false
}

// regions returns the start of R1 and R2: R1 begins after the first non-vowel
// that follows a vowel, R2 is the same rule applied inside R1.
func regions(w []byte) (r1, r2 int) {
	r1 = len(w)
	for _, p := range []string{"gener", "commun", "arsen"} {
		if hasPrefix(w, p) {
			r1 = len(p)
			break
		}
	}
	if r1 == len(w) {
		r1 = afterVC(w, 0)
	}
	r2 = afterVC(w, r1)
	return r1, r2
}

// afterVC returns the index after the first vowel-then-non-vowel pair at or
// after start, or len(w).
func afterVC(w []byte, start int) int {
	for i := start + 1; i < len(w); i++ {
		if !isVowel(w[i]) && isVowel(w[i-1]) {
			return i + 1
		}
	}
	return len(w)
}

func hasPrefix(w []byte, p string) bool {
	return len(w) >= len(p) && string(w[:len(p)]) == p
}

func hasSuffix(w []byte, s string) bool {
	return len(w) >= len(s) && string(w[len(w)-len(s):]) == s
}

// longestSuffix returns the longest of suffixes that w ends with, or "".
func longestSuffix(w []byte, suffixes []string) string {
	best := ""
	for _, s := range suffixes {
		if len(s) > len(best) && hasSuffix(w, s) {
			best = s
		}
	}
	return best
}

func containsVowel(w []byte) bool {
	for _, c := range w {
		if isVowel(c) {
			return true
		}
	}
	return false
}

// shortSyllableAt reports whether w ends (at end, exclusive) in a short
// syllable: non-vowel, vowel, non-vowel other than w, x or Y; or, at the start
// of the word, vowel then non-vowel.
func endsShortSyllable(w []byte) bool {
	n := len(w)
	if n == 2 {
		return isVowel(w[0]) && !isVowel(w[1])
	}
	if n >= 3 {
		c := w[n-1]
		return !isVowel(w[n-3]) && isVowel(w[n-2]) && !isVowel(c) && c != 'w' && c != 'x' && c != 'Y'
	}
	return false
}

// isShort reports whether w is a short word: R1 is empty and it ends in a
// short syllable.
func isShort(w []byte, r1 int) bool {
	return r1 >= len(w) && endsShortSyllable(w)
}

func step1a(w []byte) []byte {
	switch longestSuffix(w, []string{"sses", "ied", "ies", "us", "ss", "s"}) {
	case "sses":
		return w[:len(w)-2]
	case "ied", "ies":
		if len(w) > 4 {
			return w[:len(w)-2]
		}
		return w[:len(w)-1]
	case "s":
		if containsVowel(w[:len(w)-2]) {
			return w[:len(w)-1]
		}
	}
	return w
}

func step1b(w []byte, r1 int) []byte {
	suf := longestSuffix(w, []string{"eed", "eedly", "ed", "edly", "ing", "ingly"})
	switch suf {
	case "":
		return w
	case "eed", "eedly":
		if len(w)-len(suf) >= r1 {
			return append(w[:len(w)-len(suf)], 'e', 'e')
		}
		return w
	}
	stem := w[:len(w)-len(suf)]
	if !containsVowel(stem) {
		return w
	}
	w = stem
	switch {
	case hasSuffix(w, "at"), hasSuffix(w, "bl"), hasSuffix(w, "iz"):
		return append(w, 'e')
	case isDouble(w):
		return w[:len(w)-1]
	case isShort(w, r1):
		return append(w, 'e')
	}
	return w
}

// isDouble reports whether w ends in one of the doubles bb dd ff gg mm nn pp
// rr tt.
func isDouble(w []byte) bool {
	n := len(w)
	if n < 2 || w[n-1] != w[n-2] {
		return false
	}
	return strings.IndexByte("bdfgmnprt", w[n-1]) >= 0
}

func step1c(w []byte) []byte {
	n := len(w)
	if n > 2 && (w[n-1] == 'y' || w[n-1] == 'Y') && !isVowel(w[n-2]) {
		w[n-1] = 'i'
	}
	return w
}

var step2Rules = []struct{ suf, rep string }{
	{"tional", "tion"}, {"enci", "ence"}, {"anci", "ance"}, {"abli", "able"},
	{"entli", "ent"}, {"izer", "ize"}, {"ization", "ize"}, {"ational", "ate"},
	{"ation", "ate"}, {"ator", "ate"}, {"alism", "al"}, {"aliti", "al"},
	{"alli", "al"}, {"fulness", "ful"}, {"ousli", "ous"}, {"ousness", "ous"},
	{"iveness", "ive"}, {"iviti", "ive"}, {"biliti", "ble"}, {"bli", "ble"},
	{"ogi", "og"}, {"fulli", "ful"}, {"lessli", "less"}, {"li", ""},
}

var step2Suffixes = func() []string {
	out := make([]string, len(step2Rules))
	for i, r := range step2Rules {
		out[i] = r.suf
	}
	return out
}()

func step2(w []byte, r1 int) []byte {
	suf := longestSuffix(w, step2Suffixes)
	if suf == "" || len(w)-len(suf) < r1 {
		return w
	}
	stem := w[:len(w)-len(suf)]
	switch suf {
	case "ogi":
		if !hasSuffix(stem, "l") {
			return w
		}
	case "li":
		if len(stem) == 0 || strings.IndexByte("cdeghkmnrt", stem[len(stem)-1]) < 0 {
			return w
		}
	}
	for _, r := range step2Rules {
		if r.suf == suf {
			return append(stem, r.rep...)
		}
	}
	return w
}

var step3Rules = []struct{ suf, rep string }{
	{"tional", "tion"}, {"ational", "ate"}, {"alize", "al"}, {"icate", "ic"},
	{"iciti", "ic"}, {"ical", "ic"}, {"ful", ""}, {"ness", ""}, {"ative", ""},
}

var step3Suffixes = func() []string {
	out := make([]string, len(step3Rules))
	for i, r := range step3Rules {
		out[i] = r.suf
	}
	return out
}()

func step3(w []byte, r1, r2 int) []byte {
	suf := longestSuffix(w, step3Suffixes)
	if suf == "" || len(w)-len(suf) < r1 {
		return w
	}
	if suf == "ative" && len(w)-len(suf) < r2 {
		return w
	}
	stem := w[:len(w)-len(suf)]
	for _, r := range step3Rules {
		if r.suf == suf {
			return append(stem, r.rep...)
		}
	}
	return w
}

var step4Suffixes = []string{
	"al", "ance", "ence", "er", "ic", "able", "ible", "ant", "ement", "ment",
	"ent", "ism", "ate", "iti", "ous", "ive", "ize", "ion",
}

func step4(w []byte, r2 int) []byte {
	suf := longestSuffix(w, step4Suffixes)
	if suf == "" || len(w)-len(suf) < r2 {
		return w
	}
	stem := w[:len(w)-len(suf)]
	if suf == "ion" && !hasSuffix(stem, "s") && !hasSuffix(stem, "t") {
		return w
	}
	return stem
}

func step5(w []byte, r1, r2 int) []byte {
	n := len(w)
	if n == 0 {
		return w
	}
	switch w[n-1] {
	case 'e':
		if n-1 >= r2 || (n-1 >= r1 && !endsShortSyllable(w[:n-1])) {
			return w[:n-1]
		}
	case 'l':
		if n-1 >= r2 && n >= 2 && w[n-2] == 'l' {
			return w[:n-1]
		}
	}
	return w
}
