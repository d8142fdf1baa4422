package mapping

import (
	"regexp"
	"strings"

	"github.com/emersion/go-vcard"
)

// vCard 3.0 is what psadav stores and serves by default (iOS needs it);
// 4.0 is served when a client asks (address-data version, Accept), and
// accepted on PUT. ConvertCard translates the differences that matter to
// clients (https://github.com/mangstadt/ez-vcard/wiki/Version-differences).

// ConvertCard returns a copy of card in the given version ("3.0" or "4.0").
func ConvertCard(card vcard.Card, version string) vcard.Card {
	out := copyCard(card)
	if out.Value(vcard.FieldVersion) == version {
		return out
	}
	if version == "4.0" {
		to4(out)
	} else {
		to3(out)
	}
	out.SetValue(vcard.FieldVersion, version)
	return out
}

func copyCard(card vcard.Card) vcard.Card {
	out := make(vcard.Card, len(card))
	for name, fields := range card {
		cp := make([]*vcard.Field, len(fields))
		for i, f := range fields {
			params := make(vcard.Params, len(f.Params))
			for k, v := range f.Params {
				params[k] = append([]string(nil), v...)
			}
			cp[i] = &vcard.Field{Value: f.Value, Params: params, Group: f.Group}
		}
		out[name] = cp
	}
	return out
}

var parenRemover = strings.NewReplacer("(", "", ")", "")

var telURIChars = regexp.MustCompile(`^\+?[0-9 ().-]+$`)

func to4(card vcard.Card) {
	for name, fields := range card {
		for _, f := range fields {
			if f.Params == nil {
				f.Params = vcard.Params{}
			}
			types := f.Params[vcard.ParamType]
			var kept []string
			for _, t := range types {
				if strings.EqualFold(t, "pref") {
					f.Params.Set(vcard.ParamPreferred, "1")
					continue
				}
				if strings.EqualFold(t, "internet") && name == vcard.FieldEmail {
					continue
				}
				kept = append(kept, strings.ToLower(t))
			}
			setTypes(f.Params, kept)
			switch name {
			case vcard.FieldPhoto, vcard.FieldLogo:
				enc := strings.ToLower(f.Params.Get("ENCODING"))
				if enc == "b" || enc == "base64" {
					media := "image/" + strings.ToLower(firstOr(kept, "jpeg"))
					f.Value = "data:" + media + ";base64," + f.Value
					delete(f.Params, "ENCODING")
					delete(f.Params, vcard.ParamType)
				}
			case vcard.FieldTelephone:
				if f.Params.Get(vcard.ParamValue) == "" && telURIChars.MatchString(phoneNumberPart(f.Value)) {
					number, ext := SplitExtension(f.Value)
					uri := "tel:" + strings.Join(strings.Fields(parenRemover.Replace(number)), "-")
					if ext != "" {
						uri += ";ext=" + ext
					}
					f.Value = uri
					f.Params.Set(vcard.ParamValue, "uri")
				}
			}
		}
	}
	// RFC 8605: vCard 4 carries an address's country code as CC; Apple's
	// X-ABADR companion has it in 3.0.
	for _, code := range card["X-ABADR"] {
		for _, adr := range card[vcard.FieldAddress] {
			if code.Group != "" && adr.Group == code.Group && adr.Params.Get("CC") == "" {
				adr.Params.Set("CC", strings.ToUpper(code.Value))
			}
		}
	}
	if kind := card.Value("X-ADDRESSBOOKSERVER-KIND"); kind != "" {
		card.SetValue(vcard.FieldKind, strings.ToLower(kind))
		delete(card, "X-ADDRESSBOOKSERVER-KIND")
	}
	if members := card["X-ADDRESSBOOKSERVER-MEMBER"]; len(members) > 0 {
		card[vcard.FieldMember] = members
		delete(card, "X-ADDRESSBOOKSERVER-MEMBER")
	}
}

func to3(card vcard.Card) {
	for name, fields := range card {
		for _, f := range fields {
			if f.Params == nil {
				f.Params = vcard.Params{}
			}
			types := f.Params[vcard.ParamType]
			if f.Params.Get(vcard.ParamPreferred) != "" {
				types = append(types, "pref")
				delete(f.Params, vcard.ParamPreferred)
			}
			for i, t := range types {
				types[i] = strings.ToUpper(t)
				if types[i] == "PREF" {
					types[i] = "pref"
				}
			}
			setTypes(f.Params, types)
			switch name {
			case vcard.FieldPhoto, vcard.FieldLogo:
				if media, data, ok := splitDataURI(f.Value); ok {
					f.Value = data
					f.Params.Set("ENCODING", "b")
					f.Params.Set(vcard.ParamType, strings.ToUpper(strings.TrimPrefix(media, "image/")))
					delete(f.Params, vcard.ParamMediaType)
				}
			case vcard.FieldTelephone:
				if strings.HasPrefix(strings.ToLower(f.Value), "tel:") {
					number, ext := telURIParts(f.Value)
					f.Value = PhoneWithExtension(number, ext)
					delete(f.Params, vcard.ParamValue)
				}
			case vcard.FieldEmail:
				if !f.Params.HasType("internet") {
					f.Params[vcard.ParamType] = append([]string{"INTERNET"}, f.Params[vcard.ParamType]...)
				}
			}
		}
	}
	if kind := card.Value(vcard.FieldKind); kind != "" {
		if !strings.EqualFold(kind, "individual") {
			card.SetValue("X-ADDRESSBOOKSERVER-KIND", kind)
		}
		delete(card, vcard.FieldKind)
	}
	if members := card[vcard.FieldMember]; len(members) > 0 {
		card["X-ADDRESSBOOKSERVER-MEMBER"] = members
		delete(card, vcard.FieldMember)
	}
}

func setTypes(p vcard.Params, types []string) {
	if len(types) == 0 {
		delete(p, vcard.ParamType)
		return
	}
	p[vcard.ParamType] = types
}

func firstOr(s []string, def string) string {
	if len(s) > 0 && s[0] != "" {
		return s[0]
	}
	return def
}

func splitDataURI(v string) (media, data string, ok bool) {
	if !strings.HasPrefix(v, "data:") {
		return "", "", false
	}
	head, data, found := strings.Cut(v[len("data:"):], ",")
	if !found || !strings.HasSuffix(head, ";base64") {
		return "", "", false
	}
	return strings.TrimSuffix(head, ";base64"), data, true
}

func telURIParts(uri string) (number, ext string) {
	body := uri[len("tel:"):]
	parts := strings.Split(body, ";")
	number = parts[0]
	for _, p := range parts[1:] {
		if k, v, ok := strings.Cut(p, "="); ok && strings.EqualFold(k, "ext") {
			ext = v
		}
	}
	return number, ext
}

// phoneNumberPart is a phone value without a trailing extension.
func phoneNumberPart(v string) string {
	n, _ := SplitExtension(v)
	return n
}

var extPattern = regexp.MustCompile(`(?i)^(.*?)[\s,]*(?:;\s*ext\s*=\s*|\b(?:ext\.?|extension)\s*|x\s*)(\d+)\s*$`)

// SplitExtension splits "+1 555 0100 x123", "… ext. 123" or "…;ext=123"
// into the number and its extension.
func SplitExtension(v string) (number, ext string) {
	v = strings.TrimSpace(v)
	if strings.HasPrefix(strings.ToLower(v), "tel:") {
		return telURIParts(v)
	}
	if m := extPattern.FindStringSubmatch(v); m != nil && strings.TrimSpace(m[1]) != "" {
		return strings.TrimSpace(m[1]), m[2]
	}
	return v, ""
}
