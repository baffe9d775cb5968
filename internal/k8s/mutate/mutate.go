package mutate

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"path"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"

	corev1 "k8s.io/api/core/v1"
	kjson "sigs.k8s.io/json"
)

// Environment variable names the webhook sets.
const (
	EnvRegionalSTS      = "AWS_STS_REGIONAL_ENDPOINTS"
	EnvDefaultRegion    = "AWS_DEFAULT_REGION"
	EnvRegion           = "AWS_REGION"
	EnvRoleARN          = "AWS_ROLE_ARN"
	EnvWebIdentityToken = "AWS_WEB_IDENTITY_TOKEN_FILE"
	EnvEndpointURLSTS   = "AWS_ENDPOINT_URL_STS"
	EnvEndpointURL      = "AWS_ENDPOINT_URL"
	EnvCredentialsURI   = "AWS_CONTAINER_CREDENTIALS_FULL_URI"
	EnvAuthTokenFile    = "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE"
)

// Annotation and label names, relative to Config.AnnotationPrefix.
const (
	AnnotationRoleARN         = "role-arn"
	AnnotationAudience        = "audience"
	AnnotationRegionalSTS     = "sts-regional-endpoints"
	AnnotationTokenExpiration = "token-expiration"
	AnnotationSkipContainers  = "skip-containers"
	LabelSkip                 = "skip-pod-identity-webhook"
)

// A Mode is the kind of injection a Pod received.
type Mode string

// Modes.
const (
	ModeNone        Mode = "none"
	ModeIRSA        Mode = "irsa"
	ModePodIdentity Mode = "pod-identity"
)

// An Operation is one RFC 6902 JSONPatch operation. The webhook only emits
// "add".
type Operation struct {
	Op    string `json:"op"`
	Path  string `json:"path"`
	Value any    `json:"value,omitempty"`
}

// A Result is the webhook's decision for one Pod.
type Result struct {
	// Mode is the injection chosen; ModeNone when the Pod is left alone.
	Mode Mode
	// Pod is the Pod's name for logs: its generateName followed by "*"
	// for Pods created by controllers, which have no name yet.
	Pod string
	// Namespace and ServiceAccount identify the Pod's ServiceAccount.
	Namespace, ServiceAccount string
	// RoleARN is the IRSA role or the pod identity association's role.
	RoleARN string
	// Reason says why Mode is ModeNone.
	Reason string
	// Patch is the JSONPatch; empty when there is nothing to add (also
	// when everything is already injected).
	Patch []Operation
	// Warnings are returned to the client as admission warnings (invalid
	// annotation values that were replaced by defaults).
	Warnings []string
}

// An AnnotationError reports an invalid annotation value in
// StrictAnnotations mode.
type AnnotationError struct {
	// Object is "pod" or "serviceaccount".
	Object string
	Key    string
	Value  string
	Reason string
}

func (e *AnnotationError) Error() string {
	return fmt.Sprintf("%s annotation %s=%q: %s", e.Object, e.Key, truncate(e.Value), e.Reason)
}

// A PodError reports an AdmissionRequest object that is not a usable Pod.
type PodError struct{ Err error }

func (e *PodError) Error() string { return "malformed pod: " + e.Err.Error() }
func (e *PodError) Unwrap() error { return e.Err }

// A LookupError reports a failed association or ServiceAccount lookup.
type LookupError struct {
	What string // "pod identity association" or "serviceaccount"
	Err  error
}

func (e *LookupError) Error() string { return "look up " + e.What + ": " + e.Err.Error() }
func (e *LookupError) Unwrap() error { return e.Err }

// A Mutator decides and builds pod mutations. It is safe for concurrent use.
type Mutator struct {
	cfg   Config
	sas   ServiceAccounts
	assoc Associations
	log   *slog.Logger

	labelSkip      string
	annRoleARN     string
	annAudience    string
	annRegional    string
	annExpiration  string
	annSkip        string
	irsaTokenFile  string
	podIDTokenFile string
}

// New returns a Mutator. sas is required (IRSA reads ServiceAccounts);
// assoc may be nil, which disables Pod Identity. If log is nil,
// slog.Default() is used.
func New(cfg Config, sas ServiceAccounts, assoc Associations, log *slog.Logger) (*Mutator, error) {
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("mutate config: %w", err)
	}
	if sas == nil {
		return nil, errors.New("mutate: a ServiceAccounts is required")
	}
	if assoc != nil && cfg.Cluster == "" {
		return nil, errors.New("mutate config: cluster: required for pod identity associations")
	}
	cfg = cfg.WithDefaults()
	if log == nil {
		log = slog.Default()
	}
	p := cfg.AnnotationPrefix + "/"
	return &Mutator{
		cfg:            cfg,
		sas:            sas,
		assoc:          assoc,
		log:            log,
		labelSkip:      p + LabelSkip,
		annRoleARN:     p + AnnotationRoleARN,
		annAudience:    p + AnnotationAudience,
		annRegional:    p + AnnotationRegionalSTS,
		annExpiration:  p + AnnotationTokenExpiration,
		annSkip:        p + AnnotationSkipContainers,
		irsaTokenFile:  path.Join(cfg.MountPath, IRSATokenPath),
		podIDTokenFile: path.Join(PodIdentityMountPath, PodIdentityTokenPath),
	}, nil
}

// Config returns the effective configuration (defaults applied).
func (m *Mutator) Config() Config { return m.cfg }

// podView is the part of a Pod the webhook reads. Decoding only this keeps
// the webhook fast and means fields it does not know are never rewritten.
type podView struct {
	Metadata struct {
		Name         string            `json:"name"`
		GenerateName string            `json:"generateName"`
		Namespace    string            `json:"namespace"`
		Labels       map[string]string `json:"labels"`
		Annotations  map[string]string `json:"annotations"`
	} `json:"metadata"`
	Spec struct {
		ServiceAccountName       string            `json:"serviceAccountName"`
		DeprecatedServiceAccount string            `json:"serviceAccount"`
		NodeSelector             map[string]string `json:"nodeSelector"`
		Volumes                  []namedView       `json:"volumes"`
		Containers               []containerView   `json:"containers"`
		InitContainers           []containerView   `json:"initContainers"`
	} `json:"spec"`
}

type namedView struct {
	Name string `json:"name"`
}

type containerView struct {
	Name         string      `json:"name"`
	Env          []namedView `json:"env"`
	VolumeMounts []struct {
		Name      string `json:"name"`
		MountPath string `json:"mountPath"`
	} `json:"volumeMounts"`
}

// displayName is the Pod's name for logs: generateName+"*" for Pods
// created by controllers, which have no name yet at admission.
func (p *podView) displayName() string {
	if p.Metadata.Name != "" {
		return p.Metadata.Name
	}
	if p.Metadata.GenerateName != "" {
		return p.Metadata.GenerateName + "*"
	}
	return ""
}

func (p *podView) isWindows() bool {
	return p.Spec.NodeSelector["kubernetes.io/os"] == "windows" || p.Spec.NodeSelector["beta.kubernetes.io/os"] == "windows"
}

// MutatePod decides the mutation of the Pod encoded (as JSON) in podJSON,
// created in namespace (the AdmissionRequest's namespace, which wins over
// the Pod's own metadata.namespace; Pods created by controllers often have
// neither a name nor a namespace in the object). It returns a *PodError
// for an undecodable Pod, a *LookupError when a lookup failed and an
// *AnnotationError for an invalid annotation in StrictAnnotations mode. A
// ServiceAccount that does not exist is not an error: the Pod is left
// alone (ModeNone).
func (m *Mutator) MutatePod(ctx context.Context, namespace string, podJSON []byte) (Result, error) {
	var pod podView
	// Case-sensitive, as the API server decodes: a "Spec" key is not
	// "spec", and a patch path must name the member that exists.
	if err := kjson.UnmarshalCaseSensitivePreserveInts(podJSON, &pod); err != nil {
		return Result{}, &PodError{Err: err}
	}
	return m.mutate(ctx, namespace, &pod)
}

// mutate is MutatePod on a decoded Pod.
func (m *Mutator) mutate(ctx context.Context, namespace string, pod *podView) (Result, error) {
	if namespace == "" {
		namespace = pod.Metadata.Namespace
	}
	if namespace == "" {
		return Result{Pod: pod.displayName()}, &PodError{Err: errors.New("no namespace in the request or the object")}
	}
	if len(pod.Spec.Containers) == 0 {
		return Result{Pod: pod.displayName(), Namespace: namespace}, &PodError{Err: errors.New("spec.containers is empty")}
	}
	sa := pod.Spec.ServiceAccountName
	if sa == "" {
		sa = pod.Spec.DeprecatedServiceAccount
	}
	if sa == "" {
		sa = "default"
	}
	res := Result{Mode: ModeNone, Pod: pod.displayName(), Namespace: namespace, ServiceAccount: sa}
	if _, ok := pod.Metadata.Labels[m.labelSkip]; ok {
		res.Reason = "pod has the label " + m.labelSkip
		return res, nil
	}
	ctx, cancel := context.WithTimeout(ctx, m.cfg.LookupTimeout)
	defer cancel()

	var inj *injection
	if m.assoc != nil {
		roleARN, ok, err := m.assoc.Lookup(ctx, m.cfg.Cluster, namespace, sa)
		if err != nil {
			return res, &LookupError{What: "pod identity association", Err: err}
		}
		if ok {
			res.Mode, res.RoleARN = ModePodIdentity, roleARN
			inj = m.podIdentity(pod)
		}
	}
	if inj == nil {
		obj, err := m.sas.Get(ctx, namespace, sa)
		if errors.Is(err, ErrNotFound) {
			res.Reason = "serviceaccount " + namespace + "/" + sa + " not found"
			return res, nil
		}
		if err != nil {
			return res, &LookupError{What: "serviceaccount", Err: err}
		}
		roleARN := strings.TrimSpace(obj.Annotations[m.annRoleARN])
		if roleARN == "" {
			res.Reason = "serviceaccount has no " + m.annRoleARN + " annotation"
			return res, nil
		}
		inj, err = m.irsa(pod, obj, roleARN, &res.Warnings)
		if err != nil {
			return res, err
		}
		res.Mode, res.RoleARN = ModeIRSA, roleARN
	}
	res.Patch = inj.plan(pod, m.skipContainers(pod), &res.Warnings)
	return res, nil
}

func (m *Mutator) skipContainers(pod *podView) map[string]bool {
	v := pod.Metadata.Annotations[m.annSkip]
	if v == "" {
		return nil
	}
	skip := map[string]bool{}
	for _, name := range strings.Split(v, ",") {
		if name = strings.TrimSpace(name); name != "" {
			skip[name] = true
		}
	}
	return skip
}

// roleARNPattern matches an IAM role ARN in any partition.
var roleARNPattern = regexp.MustCompile(`^arn:aws[a-z-]*:iam::[0-9]{12}:role/[\w+=,.@/-]{1,512}$`)

// irsa builds the IRSA injection from the ServiceAccount's and the Pod's
// annotations.
func (m *Mutator) irsa(pod *podView, sa *corev1.ServiceAccount, roleARN string, warnings *[]string) (*injection, error) {
	if m.cfg.StrictAnnotations && !roleARNPattern.MatchString(roleARN) {
		return nil, &AnnotationError{Object: "serviceaccount", Key: m.annRoleARN, Value: roleARN, Reason: "not an IAM role ARN"}
	}
	audience := strings.TrimSpace(sa.Annotations[m.annAudience])
	if audience == "" {
		audience = m.cfg.DefaultAudience
	}
	regional := m.cfg.RegionalSTS
	if v, ok := sa.Annotations[m.annRegional]; ok {
		b, err := strconv.ParseBool(strings.TrimSpace(v))
		if err != nil {
			aerr := &AnnotationError{Object: "serviceaccount", Key: m.annRegional, Value: v, Reason: "not a boolean"}
			if m.cfg.StrictAnnotations {
				return nil, aerr
			}
			m.warn(warnings, aerr, fmt.Sprintf("using %t", regional))
		} else {
			regional = b
		}
	}
	expiration, err := m.expiration(pod, sa, warnings)
	if err != nil {
		return nil, err
	}

	tokenFile := m.irsaTokenFile
	if pod.isWindows() {
		tokenFile = windowsPath(tokenFile)
	}
	inj := &injection{
		volume: tokenVolume(IRSAVolumeName, audience, expiration, IRSATokenPath),
		mount:  corev1.VolumeMount{Name: IRSAVolumeName, ReadOnly: true, MountPath: m.cfg.MountPath},
	}
	if regional {
		inj.add([]string{EnvRegionalSTS}, env(EnvRegionalSTS, "regional"))
	}
	if m.cfg.DefaultRegion != "" {
		inj.add([]string{EnvDefaultRegion, EnvRegion}, env(EnvDefaultRegion, m.cfg.DefaultRegion), env(EnvRegion, m.cfg.DefaultRegion))
	}
	inj.add([]string{EnvRoleARN, EnvWebIdentityToken}, env(EnvRoleARN, roleARN), env(EnvWebIdentityToken, tokenFile))
	if m.cfg.InjectEndpoint != "" {
		inj.add([]string{EnvEndpointURLSTS, EnvEndpointURL}, env(EnvEndpointURLSTS, m.cfg.InjectEndpoint))
	}
	return inj, nil
}

// expiration returns the IRSA token lifetime: the Pod's annotation, else
// the ServiceAccount's, else the default; invalid values fall back to the
// default and values out of range are clamped, each with a warning (or an
// error in strict mode).
func (m *Mutator) expiration(pod *podView, sa *corev1.ServiceAccount, warnings *[]string) (int64, error) {
	v, object := pod.Metadata.Annotations[m.annExpiration], "pod"
	if v == "" {
		v, object = sa.Annotations[m.annExpiration], "serviceaccount"
	}
	if v == "" {
		return m.cfg.DefaultTokenExpiration, nil
	}
	n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
	var reason string
	var use int64
	switch {
	case err != nil:
		reason, use = "not an integer number of seconds", m.cfg.DefaultTokenExpiration
	case n < MinTokenExpiration:
		reason, use = fmt.Sprintf("below the minimum of %d seconds", MinTokenExpiration), MinTokenExpiration
	case n > MaxTokenExpiration:
		reason, use = fmt.Sprintf("above the maximum of %d seconds", MaxTokenExpiration), MaxTokenExpiration
	default:
		return n, nil
	}
	aerr := &AnnotationError{Object: object, Key: m.annExpiration, Value: v, Reason: reason}
	if m.cfg.StrictAnnotations {
		return 0, aerr
	}
	m.warn(warnings, aerr, fmt.Sprintf("using %d", use))
	return use, nil
}

func (m *Mutator) warn(warnings *[]string, err *AnnotationError, action string) {
	msg := err.Error() + "; " + action
	m.log.Warn("pod identity webhook: invalid annotation", "object", err.Object, "annotation", err.Key, "value", truncate(err.Value), "reason", err.Reason, "action", action)
	*warnings = append(*warnings, msg)
}

// podIdentity builds the Pod Identity injection.
func (m *Mutator) podIdentity(pod *podView) *injection {
	tokenFile := m.podIDTokenFile
	if pod.isWindows() {
		tokenFile = windowsPath(tokenFile)
	}
	inj := &injection{
		volume: tokenVolume(PodIdentityVolumeName, PodIdentityAudience, PodIdentityTokenExpiration, PodIdentityTokenPath),
		mount:  corev1.VolumeMount{Name: PodIdentityVolumeName, ReadOnly: true, MountPath: PodIdentityMountPath},
	}
	if m.cfg.RegionalSTS {
		inj.add([]string{EnvRegionalSTS}, env(EnvRegionalSTS, "regional"))
	}
	if m.cfg.DefaultRegion != "" {
		inj.add([]string{EnvDefaultRegion, EnvRegion}, env(EnvDefaultRegion, m.cfg.DefaultRegion), env(EnvRegion, m.cfg.DefaultRegion))
	}
	inj.add([]string{EnvCredentialsURI, EnvAuthTokenFile}, env(EnvCredentialsURI, m.cfg.PodIdentityURI), env(EnvAuthTokenFile, tokenFile))
	return inj
}

func env(name, value string) corev1.EnvVar { return corev1.EnvVar{Name: name, Value: value} }

func tokenVolume(name, audience string, expiration int64, tokenPath string) corev1.Volume {
	return corev1.Volume{
		Name: name,
		VolumeSource: corev1.VolumeSource{Projected: &corev1.ProjectedVolumeSource{
			Sources: []corev1.VolumeProjection{{ServiceAccountToken: &corev1.ServiceAccountTokenProjection{
				Audience:          audience,
				ExpirationSeconds: &expiration,
				Path:              tokenPath,
			}}},
		}},
	}
}

// An envGroup is variables added together, and suppressed together when
// the container already sets any of the names in suppressedBy.
type envGroup struct {
	suppressedBy []string
	vars         []corev1.EnvVar
}

// An injection is what one mode adds to every container not skipped.
type injection struct {
	groups []envGroup
	volume corev1.Volume
	mount  corev1.VolumeMount
}

func (inj *injection) add(suppressedBy []string, vars ...corev1.EnvVar) {
	inj.groups = append(inj.groups, envGroup{suppressedBy: suppressedBy, vars: vars})
}

// plan returns the JSONPatch adding inj to pod: per container (containers
// then initContainers, each in order) the missing variables and the
// mount; then, first in the patch, the volume if some container mounts it
// and the Pod lacks it.
func (inj *injection) plan(pod *podView, skip map[string]bool, warnings *[]string) []Operation {
	var ops []Operation
	mounted := false
	for _, list := range []struct {
		path       string
		containers []containerView
	}{{"/spec/containers", pod.Spec.Containers}, {"/spec/initContainers", pod.Spec.InitContainers}} {
		for i := range list.containers {
			c := &list.containers[i]
			hasMount, pathTaken := false, false
			for _, vm := range c.VolumeMounts {
				if vm.Name == inj.mount.Name {
					hasMount = true
				} else if path.Clean(vm.MountPath) == inj.mount.MountPath {
					pathTaken = true
				}
			}
			if skip[c.Name] {
				mounted = mounted || hasMount
				continue
			}
			base := list.path + "/" + strconv.Itoa(i)
			ops = appendEnv(ops, base, c, inj.groups)
			switch {
			case hasMount:
				mounted = true
			case pathTaken:
				// A second mount at the same path would make the API
				// server reject the Pod; the container keeps its own.
				*warnings = append(*warnings, fmt.Sprintf("container %q already mounts another volume at %s; %s not mounted", c.Name, inj.mount.MountPath, inj.mount.Name))
			default:
				mounted = true
				if len(c.VolumeMounts) == 0 {
					ops = append(ops, Operation{Op: "add", Path: base + "/volumeMounts", Value: []corev1.VolumeMount{inj.mount}})
				} else {
					ops = append(ops, Operation{Op: "add", Path: base + "/volumeMounts/-", Value: inj.mount})
				}
			}
		}
	}
	if !mounted {
		return ops
	}
	for _, v := range pod.Spec.Volumes {
		if v.Name == inj.volume.Name {
			return ops
		}
	}
	var vol Operation
	if len(pod.Spec.Volumes) == 0 {
		vol = Operation{Op: "add", Path: "/spec/volumes", Value: []corev1.Volume{inj.volume}}
	} else {
		vol = Operation{Op: "add", Path: "/spec/volumes/-", Value: inj.volume}
	}
	return append([]Operation{vol}, ops...)
}

func appendEnv(ops []Operation, base string, c *containerView, groups []envGroup) []Operation {
	var add []corev1.EnvVar
	for _, g := range groups {
		if !hasAnyEnv(c.Env, g.suppressedBy) {
			add = append(add, g.vars...)
		}
	}
	if len(add) == 0 {
		return ops
	}
	if len(c.Env) == 0 {
		return append(ops, Operation{Op: "add", Path: base + "/env", Value: add})
	}
	for _, v := range add {
		ops = append(ops, Operation{Op: "add", Path: base + "/env/-", Value: v})
	}
	return ops
}

func hasAnyEnv(env []namedView, names []string) bool {
	for _, e := range env {
		for _, n := range names {
			if e.Name == n {
				return true
			}
		}
	}
	return false
}

// truncate shortens s for logs and messages: annotation values are
// user-controlled and may be large.
func truncate(s string) string {
	const limit = 64
	if len(s) <= limit {
		return s
	}
	cut := limit
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "..."
}
