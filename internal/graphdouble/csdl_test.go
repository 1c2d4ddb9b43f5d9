package graphdouble

import (
	"compress/gzip"
	"encoding/xml"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"
)

// CSDL loading for the contract test. The schema files are Microsoft's
// (MIT, testdata/graph-metadata-LICENSE), copied gzipped from
// /work/shared/graph-metadata; see testdata/README.md.

type xEdmx struct {
	Schemas []xSchema `xml:"DataServices>Schema"`
}

type xSchema struct {
	Namespace    string  `xml:"Namespace,attr"`
	Alias        string  `xml:"Alias,attr"`
	EntityTypes  []xType `xml:"EntityType"`
	ComplexTypes []xType `xml:"ComplexType"`
	EnumTypes    []xEnum `xml:"EnumType"`
	Actions      []xOp   `xml:"Action"`
	Functions    []xOp   `xml:"Function"`
}

type xType struct {
	Name     string  `xml:"Name,attr"`
	BaseType string  `xml:"BaseType,attr"`
	Abstract bool    `xml:"Abstract,attr"`
	OpenType bool    `xml:"OpenType,attr"`
	Props    []xProp `xml:"Property"`
	Navs     []xProp `xml:"NavigationProperty"`
}

type xProp struct {
	Name     string `xml:"Name,attr"`
	Type     string `xml:"Type,attr"`
	Nullable string `xml:"Nullable,attr"`
}

type xEnum struct {
	Name    string `xml:"Name,attr"`
	IsFlags bool   `xml:"IsFlags,attr"`
	Members []struct {
		Name string `xml:"Name,attr"`
	} `xml:"Member"`
}

type xOp struct {
	Name    string  `xml:"Name,attr"`
	IsBound bool    `xml:"IsBound,attr"`
	Params  []xProp `xml:"Parameter"`
	Returns *struct {
		Type string `xml:"Type,attr"`
	} `xml:"ReturnType"`
}

// csdlModel is a parsed CSDL: the shared edmSchema plus bound functions
// and action return types, which only the contract test needs.
type csdlModel struct {
	*edmSchema
	returns map[string]string // "action name|binding" -> return type
}

var (
	csdlOnce sync.Once
	csdlV1   *csdlModel
	csdlBeta *csdlModel
	csdlErr  error
)

// loadCSDL parses both schemas once per test binary.
func loadCSDL(t testing.TB) (v1, beta *csdlModel) {
	t.Helper()
	csdlOnce.Do(func() {
		if csdlV1, csdlErr = parseCSDLFile("testdata/v1.0.csdl.gz"); csdlErr != nil {
			return
		}
		csdlBeta, csdlErr = parseCSDLFile("testdata/beta-ussec.csdl.gz")
	})
	if csdlErr != nil {
		t.Fatal(csdlErr)
	}
	return csdlV1, csdlBeta
}

func parseCSDLFile(path string) (*csdlModel, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	var doc xEdmx
	if err := xml.NewDecoder(zr).Decode(&doc); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return buildModel(doc), nil
}

func buildModel(doc xEdmx) *csdlModel {
	m := &csdlModel{edmSchema: newEdmSchema(), returns: map[string]string{}}
	aliases := map[string]string{}
	for _, s := range doc.Schemas {
		if s.Alias != "" {
			aliases[s.Alias] = s.Namespace
		}
	}
	q := func(t string) string { return qualify(t, aliases) }
	for _, s := range doc.Schemas {
		for _, t := range s.EntityTypes {
			m.addXType(s.Namespace, t, false, q)
		}
		for _, t := range s.ComplexTypes {
			m.addXType(s.Namespace, t, true, q)
		}
		for _, e := range s.EnumTypes {
			en := &edmEnum{members: map[string]bool{}, flags: e.IsFlags}
			for _, mem := range e.Members {
				en.members[mem.Name] = true
			}
			m.enums[s.Namespace+"."+e.Name] = en
		}
		for _, op := range append(s.Actions, s.Functions...) {
			m.addXOp(op, q)
		}
	}
	return m
}

func (m *csdlModel) addXType(ns string, x xType, complex bool, q func(string) string) {
	t := &edmType{name: ns + "." + x.Name, abstract: x.Abstract, complex: complex, props: map[string]edmProp{},
		bag: x.OpenType && x.BaseType == "" && len(x.Props) == 0 && len(x.Navs) == 0}
	if x.BaseType != "" {
		t.base = q(x.BaseType)
	}
	for _, p := range x.Props {
		t.props[p.Name] = edmProp{typ: q(p.Type), nullable: p.Nullable != "false"}
	}
	for _, p := range x.Navs {
		t.props[p.Name] = edmProp{typ: q(p.Type), nullable: p.Nullable != "false", nav: true}
	}
	m.types[t.name] = t
}

func (m *csdlModel) addXOp(op xOp, q func(string) string) {
	if !op.IsBound || len(op.Params) == 0 {
		return
	}
	a := &edmAction{name: op.Name, binding: q(op.Params[0].Type)}
	for _, p := range op.Params[1:] {
		a.params = append(a.params, edmParam{name: p.Name, typ: q(p.Type), nullable: p.Nullable != "false"})
	}
	m.actions = append(m.actions, a)
	if op.Returns != nil {
		m.returns[op.Name+"|"+a.binding] = q(op.Returns.Type)
	}
}

// qualify turns "graph.user" or "Collection(self.alert)" into full names.
func qualify(t string, aliases map[string]string) string {
	if inner, ok := strings.CutPrefix(t, "Collection("); ok {
		return "Collection(" + qualify(strings.TrimSuffix(inner, ")"), aliases) + ")"
	}
	i := strings.LastIndex(t, ".")
	if i < 0 {
		return t
	}
	if ns, ok := aliases[t[:i]]; ok {
		return ns + t[i:]
	}
	return t
}

// returnType finds the return type of a bound action by name and binding.
func (m *csdlModel) returnType(name, binding string) (string, bool) {
	a := m.action(name, binding)
	if a == nil {
		return "", false
	}
	rt, ok := m.returns[name+"|"+a.binding]
	return rt, ok
}
