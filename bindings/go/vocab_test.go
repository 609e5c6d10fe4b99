package custodia_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	custodia "github.com/custodia/custodia/bindings/go"
)

func fmtSprintf(f string, v any) string { return fmt.Sprintf(f, v) }

func TestEnumNamesAgreeWithTheLibrary(t *testing.T) {
	for _, c := range custodia.Categories {
		if must(custodia.ParseCategory(c.String())) != c {
			t.Errorf("category %d %s", c, c)
		}
	}
	for _, c := range []custodia.Classification{custodia.Public, custodia.Restricted, custodia.Confidential, custodia.Secret} {
		if must(custodia.ParseClassification(c.String())) != c {
			t.Errorf("classification %d", c)
		}
	}
	for k := custodia.CourtOrder; k <= custodia.OverridingPublicInterest; k++ {
		if must(custodia.ParseExceptionKind(k.String())) != k {
			t.Errorf("exception kind %d", k)
		}
	}
	for _, k := range []custodia.KeyKind{custodia.KEK, custodia.X25519, custodia.XWing, custodia.Ed25519} {
		if must(custodia.ParseKeyKind(k.String())) != k {
			t.Errorf("key kind %d", k)
		}
	}
	if custodia.Evidence.String() != "evidence" || custodia.CourtOrder.String() != "court_order" ||
		custodia.KEK.String() != "kek" || custodia.Secret.String() != "secret" {
		t.Fatal("names")
	}
}

func TestUnknownNamesAndCodes(t *testing.T) {
	_, err := custodia.ParseCategory("gossip")
	wantCode[*custodia.InvalidArgumentError](t, err, custodia.ErrInvalidArgument)
	if s := custodia.Category(99).String(); !strings.HasPrefix(s, "unknown") {
		t.Fatal(s)
	}
	_, err = custodia.NewSealOptions(99, "investigation")
	wantCode[*custodia.InvalidArgumentError](t, err, custodia.ErrUnknownCode)
}

func TestCategoryMinimums(t *testing.T) {
	if must(custodia.WitnessIdentity.MinimumClassification()) != custodia.Secret ||
		must(custodia.CaseAdministration.MinimumClassification()) != custodia.Public {
		t.Fatal("minimums")
	}
	o := must(custodia.NewSealOptions(custodia.WitnessIdentity, "investigation"))
	defer o.Close()
	wantCode[*custodia.InvalidArgumentError](t, o.SetClassification(custodia.Restricted), custodia.ErrClassificationBelowMinimum)
}

func TestPurposes(t *testing.T) {
	for _, good := range []string{"investigation", "criminal_investigation.fraud", "mla.execution", "a.b.c"} {
		ok(t, custodia.ValidatePurpose(good))
	}
	for _, bad := range []string{"", "Investigation", "has space", ".lead", "trail.", "a..b"} {
		var ia *custodia.InvalidArgumentError
		if err := custodia.ValidatePurpose(bad); !errors.As(err, &ia) {
			t.Errorf("%q: %v", bad, err)
		}
	}
	many := make([]string, 33)
	for i := range many {
		many[i] = fmt.Sprintf("p%d", i)
	}
	_, err := custodia.NewSealOptions(custodia.Evidence, many...)
	wantCode[*custodia.InvalidArgumentError](t, err, custodia.ErrTooManyPurposes)
}

func TestJurisdictionsAndCaseRefs(t *testing.T) {
	ok(t, custodia.ValidateJurisdiction("DE"))
	wantCode[*custodia.InvalidArgumentError](t, custodia.ValidateJurisdiction("XX"), custodia.ErrInvalidJurisdiction)
	ok(t, custodia.ValidateCaseRef("MLA-2026-0042"))
	var ia *custodia.InvalidArgumentError
	if err := custodia.ValidateCaseRef(""); !errors.As(err, &ia) {
		t.Fatalf("empty case ref: %v", err)
	}
	_, err := custodia.NewActor("anna", "prosecutor", "ZZ", custodia.Secret)
	wantCode[*custodia.InvalidArgumentError](t, err, custodia.ErrInvalidJurisdiction)
}

func TestSealOptionsSetters(t *testing.T) {
	noLeaks(t)
	o := must(custodia.NewSealOptions(custodia.Evidence, "investigation"))
	defer o.Close()
	ok(t, o.SetClassification(custodia.Secret))
	ok(t, o.SetCaseRef("MLA-1"))
	ok(t, o.SetJurisdictions("NL", "DE", "FR"))
	wantCode[*custodia.InvalidArgumentError](t, o.SetJurisdictions("NL", "QQ"), custodia.ErrInvalidJurisdiction)
	ok(t, o.SetInstrument(custodia.BilateralTreaty, "MLAT NL-US", ""))
	wantCode[*custodia.InvalidArgumentError](t, o.SetInstrument(77, "x", ""), custodia.ErrUnknownCode)
	ok(t, o.SetChunkSize(65536))
	var ia *custodia.InvalidArgumentError
	if err := o.SetChunkSize(1); !errors.As(err, &ia) {
		t.Fatalf("chunk size 1: %v", err)
	}
}
