package awsquery

import (
	"fmt"
	"net/url"
	"reflect"
	"strconv"
	"strings"
	"sync"
)

// Decode copies the Query parameters in form into out, a pointer to a
// struct whose exported field names are the model's member names (or carry
// a `query:"Name"` tag). Supported field types: string, bool, int, int32,
// int64 and pointers to them (nil when absent), []string, slices of
// structs and of pointers to structs ("Name.member.N.Field"), nested
// structs and pointers to them ("Name.Field"), and map[string]string
// ("Name.entry.N.key"/"value"). Decode does not validate; Validate does.
// Values that do not convert (already rejected by Validate for modelled
// members) are left at their zero value.
func Decode(form url.Values, out any) error {
	rv := reflect.ValueOf(out)
	if rv.Kind() != reflect.Pointer || rv.Elem().Kind() != reflect.Struct {
		return fmt.Errorf("awsquery: Decode needs a pointer to a struct, got %T", out)
	}
	decodeStruct(form, "", rv.Elem())
	return nil
}

type fieldInfo struct {
	index int
	name  string
}

var fieldCache sync.Map // reflect.Type -> []fieldInfo

func fieldsOf(t reflect.Type) []fieldInfo {
	if f, ok := fieldCache.Load(t); ok {
		return f.([]fieldInfo)
	}
	var fs []fieldInfo
	for i := 0; i < t.NumField(); i++ {
		sf := t.Field(i)
		if !sf.IsExported() {
			continue
		}
		name := sf.Name
		if tag := sf.Tag.Get("query"); tag != "" {
			if tag == "-" {
				continue
			}
			name = tag
		}
		fs = append(fs, fieldInfo{index: i, name: name})
	}
	fieldCache.Store(t, fs)
	return fs
}

func decodeStruct(form url.Values, prefix string, v reflect.Value) bool {
	any := false
	for _, f := range fieldsOf(v.Type()) {
		if decodeValue(form, join(prefix, f.name), v.Field(f.index)) {
			any = true
		}
	}
	return any
}

func first(form url.Values, key string) (string, bool) {
	vals, ok := form[key]
	if !ok || len(vals) == 0 {
		return "", false
	}
	return vals[0], true
}

// decodeValue stores the value at key into v and reports whether anything
// was present.
func decodeValue(form url.Values, key string, v reflect.Value) bool {
	switch v.Kind() {
	case reflect.Pointer:
		elem := reflect.New(v.Type().Elem())
		if decodeValue(form, key, elem.Elem()) {
			v.Set(elem)
			return true
		}
		return false
	case reflect.String:
		s, ok := first(form, key)
		if ok {
			v.SetString(s)
		}
		return ok
	case reflect.Bool:
		s, ok := first(form, key)
		if !ok {
			return false
		}
		v.SetBool(strings.EqualFold(s, "true"))
		return true
	case reflect.Int, reflect.Int32, reflect.Int64:
		s, ok := first(form, key)
		if !ok {
			return false
		}
		n, err := strconv.ParseInt(strings.TrimSpace(s), 10, v.Type().Bits())
		if err != nil {
			return false
		}
		v.SetInt(n)
		return true
	case reflect.Struct:
		return decodeStruct(form, key, v)
	case reflect.Slice:
		n := listLen(form, key)
		_, empty := form[key] // "Name=" sends an explicitly empty list
		if n == 0 {
			if empty {
				v.Set(reflect.MakeSlice(v.Type(), 0, 0))
			}
			return empty
		}
		s := reflect.MakeSlice(v.Type(), n, n)
		for i := 0; i < n; i++ {
			decodeValue(form, key+".member."+strconv.Itoa(i+1), s.Index(i))
		}
		v.Set(s)
		return true
	case reflect.Map:
		if v.Type().Key().Kind() != reflect.String || v.Type().Elem().Kind() != reflect.String {
			return false
		}
		m := reflect.MakeMap(v.Type())
		found := false
		for i := 1; i <= maxListMembers; i++ {
			k, ok := first(form, key+".entry."+strconv.Itoa(i)+".key")
			if !ok {
				break
			}
			val, _ := first(form, key+".entry."+strconv.Itoa(i)+".value")
			m.SetMapIndex(reflect.ValueOf(k), reflect.ValueOf(val))
			found = true
		}
		if found {
			v.Set(m)
		}
		return found
	}
	return false
}
