package mapping

import (
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

func TestPSALength(t *testing.T) {
	for _, c := range []struct {
		s    string
		want int
	}{
		{"", 0}, {"abc", 3}, {"München", 7}, {"日本語", 3},
		{"😀", 2},                    // outside the BMP: a surrogate pair
		{"👨‍👩‍👧", 8},                // three emoji and two joiners
		{"e\u0301", 2},              // a letter and a combining accent
		{"\U0001F1E9\U0001F1EA", 4}, // a flag: two regional indicators
	} {
		if got := PSALength(c.s); got != c.want {
			t.Errorf("PSALength(%q) = %d, want %d", c.s, got, c.want)
		}
	}
}

// FitText cuts where a reader expects it, within the limit counted as
// Autotask counts, and never inside a character or a grapheme cluster.
func TestFitText(t *testing.T) {
	for _, c := range []struct {
		name, text string
		limit      int
		head, rest string
	}{
		{"fits", "Call back in Q3.", 50, "Call back in Q3.", ""},
		{"no limit", strings.Repeat("x", 100), 0, strings.Repeat("x", 100), ""},
		{"words", "Met at the MSP summit in Berlin. Wants managed backup for three sites.", 50,
			"Met at the MSP summit in Berlin. Wants managed", "backup for three sites."},
		{"a line end that keeps half the room", "Berlin office, 3rd floor.\nAsk for the\nfacilities manager first please", 50,
			"Berlin office, 3rd floor.\nAsk for the", "facilities manager first please"},
		{"a line end too early", "Hi\nMet at the MSP summit in Berlin. Wants managed backup for three sites.", 50,
			"Hi\nMet at the MSP summit in Berlin. Wants managed", "backup for three sites."},
		{"after a hyphen", "a well-known-very-long-compound-word", 15, "a well-known-", "very-long-compound-word"},
		{"one long word", "Donaudampfschifffahrtsgesellschaft", 10, "Donaudampf", "schifffahrtsgesellschaft"},
		{"a URL breaks after a slash", "https://example.com/a/very/long/path", 10, "https://", "example.com/a/very/long/path"},
		{"emoji count two", strings.Repeat("😀", 30), 50, strings.Repeat("😀", 25), strings.Repeat("😀", 5)},
		{"an emoji sequence is not split", "ab👨‍👩‍👧cd", 5, "ab", "👨‍👩‍👧cd"},
		{"an accent stays on its letter", "abcde\u0301f", 5, "abcd", "e\u0301f"},
		{"ideographs break between them", "東京都渋谷区の事務所で会議", 5, "東京都渋谷", "区の事務所で会議"},
		{"white space at the cut is dropped", "aaaa     bbbb", 6, "aaaa", "bbbb"},
		{"trailing white space fits", "abc   ", 4, "abc", ""},
	} {
		head, rest := FitText(c.text, c.limit)
		if head != c.head || rest != c.rest {
			t.Errorf("%s: FitText(%q, %d) = %q, %q; want %q, %q", c.name, c.text, c.limit, head, rest, c.head, c.rest)
		}
	}
}

// A text many times a journal entry's limit is cut into parts of at most
// the limit each, in order, nothing lost, at a cost that does not grow
// with the square of its length (a NOTE without a space, 1 MB).
func TestSplitText(t *testing.T) {
	text := strings.Repeat("0123456789", 100_000)
	head, parts := SplitText(text, 50, 32000)
	if head != text[:50] || len(parts) != 32 {
		t.Fatalf("head %d, %d parts", len(head), len(parts))
	}
	if strings.Join(append([]string{head}, parts...), "") != text {
		t.Fatal("the parts do not make the text")
	}
	for _, p := range parts {
		if PSALength(p) > 32000 {
			t.Fatalf("a part of %d", PSALength(p))
		}
	}
	if head, parts := SplitText("short", 50, 32000); head != "short" || parts != nil {
		t.Fatalf("a text that fits: %q %v", head, parts)
	}
	// Not even one character fits: a part takes one anyway, so the
	// split ends.
	if head, parts := SplitText("😀😀", 1, 1); head != "" || len(parts) != 2 {
		t.Fatalf("%q %q", head, parts)
	}
}

func FuzzFitText(f *testing.F) {
	for _, s := range []string{longNoteForTests, "東京都渋谷区の事務所で会議", "👨‍👩‍👧 e\u0301\n\nx", strings.Repeat("😀", 40)} {
		f.Add(s, 50)
	}
	f.Fuzz(func(t *testing.T, text string, limit int) {
		if !utf8.ValidString(text) || limit < 2 || limit > 1000 {
			t.Skip()
		}
		head, rest := FitText(text, limit)
		if PSALength(head) > limit {
			t.Fatalf("head %q is %d units, over %d", head, PSALength(head), limit)
		}
		if !utf8.ValidString(head) || !utf8.ValidString(rest) {
			t.Fatal("a cut inside a character")
		}
		// Nothing but white space at the cut is lost.
		if !strings.HasPrefix(text, head) || !strings.HasSuffix(text, rest) ||
			strings.TrimFunc(text[len(head):len(text)-len(rest)], unicode.IsSpace) != "" {
			t.Fatalf("%q cut into %q and %q", text, head, rest)
		}
	})
}

const longNoteForTests = "Met at the MSP summit in Berlin. Wants managed backup for three sites and a call back in Q3 about pricing."

// BenchmarkSplitText cuts a 1 MB note into journal entries: words, and
// one run without a break opportunity (each cut scans only its window).
func BenchmarkSplitText(b *testing.B) {
	for _, c := range []struct{ name, text string }{
		{"words-1MB", strings.Repeat("Backup report for the Munich site. ", 30_000)},
		{"nospace-1MB", strings.Repeat("0123456789", 100_000)},
	} {
		b.Run(c.name, func(b *testing.B) {
			b.SetBytes(int64(len(c.text)))
			for b.Loop() {
				if _, parts := SplitText(c.text, 50, 32000); len(parts) < 30 {
					b.Fatal(len(parts))
				}
			}
		})
	}
}
