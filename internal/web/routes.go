package web

import "github.com/scribe-health/scribe/internal/app"

// routeTable is every route of the app and who may use it; it is the only
// place routes are registered, and the route-table test walks it.
func (s *Server) routeTable() []route {
	anyRole := []string(nil)
	return []route{
		{method: "GET", path: "/{$}", access: public, h: s.root},
		{method: "GET", path: "/setup", access: public, h: s.setupForm},
		{method: "POST", path: "/setup", access: public, h: s.setupSubmit},
		{method: "GET", path: "/invite", access: public, h: s.inviteForm},
		{method: "POST", path: "/invite", access: public, h: s.inviteSubmit},
		{method: "GET", path: "/login", access: public, h: s.loginForm},
		{method: "POST", path: "/login", access: public, h: s.loginSubmit},

		{method: "GET", path: "/login/totp", access: partial, h: s.totpForm},
		{method: "POST", path: "/login/totp", access: partial, h: s.totpSubmit},
		{method: "GET", path: "/account/totp", access: partial, h: s.enrolForm},
		{method: "POST", path: "/account/totp", access: partial, h: s.enrolSubmit},
		{method: "POST", path: "/account/totp/key", access: partial, h: s.enrolKey},
		{method: "POST", path: "/logout", access: partial, h: s.logout},

		{method: "GET", path: "/account", access: signedIn, roles: anyRole, h: s.account},
		{method: "POST", path: "/account/recovery-codes", access: signedIn, roles: anyRole, h: s.recoveryCodesNew},
		{method: "POST", path: "/account/tokens", access: signedIn, roles: anyRole, h: s.tokenCreate},
		{method: "POST", path: "/account/tokens/{token}/revoke", access: signedIn, roles: anyRole, h: s.tokenRevoke},

		{method: "GET", path: "/sessions", access: signedIn, roles: anyRole, h: s.sessionsList},
		{method: "GET", path: "/sessions/new", access: signedIn, roles: schedulerRoles, h: s.scheduleForm},
		{method: "POST", path: "/sessions", access: signedIn, roles: schedulerRoles, h: s.scheduleSubmit},
		{method: "GET", path: "/ingest", access: signedIn, roles: schedulerRoles, h: s.ingestForm},
		{method: "POST", path: "/ingest", access: signedIn, roles: schedulerRoles, upload: true, maxBody: s.cfg.MaxUpload, h: s.ingestSubmit},
		{method: "GET", path: "/sessions/{id}", access: signedIn, roles: anyRole, h: s.sessionPage},
		{method: "GET", path: "/sessions/{id}/status", access: signedIn, roles: anyRole, passive: true, h: s.sessionStatus},
		{method: "POST", path: "/sessions/{id}/consents", access: signedIn, roles: anyRole, h: s.consentAdd},
		{method: "POST", path: "/sessions/{id}/consents/revoke", access: signedIn, roles: anyRole, h: s.consentRevoke},
		{method: "POST", path: "/sessions/{id}/retry", access: signedIn, roles: schedulerRoles, h: s.retry},
		{method: "POST", path: "/sessions/{id}/call", access: signedIn, roles: clinicalRoles, h: s.startCall},
		{method: "POST", path: "/sessions/{id}/cancel", access: signedIn, roles: cancelRoles, h: s.cancelSession},
		{method: "POST", path: "/sessions/{id}/link", access: signedIn, roles: cancelRoles, h: s.renewLink},
		{method: "POST", path: "/sessions/{id}/reschedule", access: signedIn, roles: cancelRoles, h: s.reschedule},
		{method: "POST", path: "/sessions/{id}/room", access: signedIn, roles: clinicalRoles, h: s.startRoom},
		{method: "GET", path: "/room/{id}", access: roomLink, h: s.roomPage},
		{method: "GET", path: "/room/{id}/state", access: roomLink, h: s.roomState},
		{method: "POST", path: "/room/{id}/consent", access: roomLink, h: s.roomConsent},
		{method: "POST", path: "/room/{id}/pieces/{take}/{seq}", access: roomLink, maxBody: app.MaxRoomPiece, h: s.roomPiece},
		{method: "POST", path: "/room/{id}/finish", access: roomLink, h: s.roomFinish},
		{method: "POST", path: "/room/{id}/scribe-stop", access: roomLink, h: s.roomScribeStop},
		{method: "GET", path: "/sessions/{id}/review", access: signedIn, roles: anyRole, h: s.review},
		{method: "GET", path: "/sessions/{id}/versions", access: signedIn, roles: anyRole, h: s.versions},
		{method: "GET", path: "/sessions/{id}/audio", access: signedIn, roles: anyRole, h: s.segmentAudio},
		{method: "POST", path: "/sessions/{id}/draft/sections/{key}", access: signedIn, roles: clinicalRoles, h: s.editSection},
		{method: "POST", path: "/sessions/{id}/draft/sections/{key}/statements", access: signedIn, roles: clinicalRoles, h: s.addStatement},
		{method: "POST", path: "/sessions/{id}/draft/sections/{key}/statements/{index}", access: signedIn, roles: clinicalRoles, h: s.editStatement},
		{method: "POST", path: "/sessions/{id}/draft/flags/{code}/resolve", access: signedIn, roles: clinicalRoles, h: s.resolveFlag},
		{method: "POST", path: "/sessions/{id}/draft/sign", access: signedIn, roles: clinicalRoles, h: s.sign},
		{method: "POST", path: "/sessions/{id}/draft/reject", access: signedIn, roles: clinicalRoles, h: s.reject},
		{method: "POST", path: "/sessions/{id}/draft/regenerate", access: signedIn, roles: clinicalRoles, h: s.regenerate},
		{method: "POST", path: "/sessions/{id}/draft/addenda", access: signedIn, roles: clinicalRoles, h: s.addendum},
		{method: "POST", path: "/sessions/{id}/export", access: signedIn, roles: clinicalRoles, h: s.exportNote},

		{method: "GET", path: "/admin/setup", access: signedIn, roles: adminOnly, h: s.setupWizard},
		{method: "GET", path: "/admin/system", access: signedIn, roles: adminOnly, h: s.adminSystem},
		{method: "POST", path: "/admin/system", access: signedIn, roles: adminOnly, h: s.adminSystemRun},
		{method: "GET", path: "/admin/users", access: signedIn, roles: adminOnly, h: s.adminUsers},
		{method: "POST", path: "/admin/users", access: signedIn, roles: adminOnly, h: s.adminUserAdd},
		{method: "POST", path: "/admin/users/{id}", access: signedIn, roles: adminOnly, h: s.adminUserUpdate},
		{method: "GET", path: "/admin/clients", access: signedIn, roles: adminOnly, h: s.adminClients},
		{method: "GET", path: "/admin/clients/{client}", access: signedIn, roles: adminOnly, h: s.adminClient},
		{method: "POST", path: "/admin/clients/{client}/members", access: signedIn, roles: adminOnly, h: s.adminClientMemberAdd},
		{method: "POST", path: "/admin/clients/{client}/members/remove", access: signedIn, roles: adminOnly, h: s.adminClientMemberRemove},
		{method: "GET", path: "/admin/providers", access: signedIn, roles: adminOnly, h: s.adminProviders},
		{method: "POST", path: "/admin/providers", access: signedIn, roles: adminOnly, h: s.adminProviderPut},
		{method: "POST", path: "/admin/providers/{name}/test", access: signedIn, roles: adminOnly, h: s.adminProviderTest},
		{method: "GET", path: "/admin/policy", access: signedIn, roles: adminOnly, h: s.adminPolicy},
		{method: "POST", path: "/admin/policy", access: signedIn, roles: adminOnly, h: s.adminPolicySave},
		{method: "GET", path: "/admin/templates", access: signedIn, roles: adminOnly, h: s.adminTemplates},
		{method: "POST", path: "/admin/templates", access: signedIn, roles: adminOnly, h: s.adminTemplateAdd},
		{method: "GET", path: "/admin/ai-statement", access: signedIn, roles: adminOnly, h: s.adminAIStatement},
		{method: "POST", path: "/admin/ai-statement", access: signedIn, roles: adminOnly, h: s.adminAIStatementSave},
		{method: "GET", path: "/admin/audit", access: signedIn, roles: adminOnly, h: s.adminAudit},
		{method: "POST", path: "/admin/audit/verify", access: signedIn, roles: adminOnly, h: s.adminAuditVerify},
		// The job dashboard's own API posts without our form token; SameSite
		// cookies and the Origin check still stop cross-site requests.
		{method: "", path: "/admin/jobs/", access: signedIn, roles: adminOnly, ownCSRF: true, h: s.jobs},
	}
}
