// Package plan decides what the tenant needs for this app (the Function's
// Graph permissions, the authentication strength, the Conditional Access
// policies), compares it with what is there and makes the difference. It
// talks to Graph only through directory.Tenant, so it never imports the
// Graph SDK; tools/setup wires the real client.
package plan

import (
	"slices"
	"strings"

	"github.com/passkeyfirst/entra-mfa-recovery/internal/config"
)

// GrantKind says how a permission is given.
type GrantKind int

const (
	// AppRole is a Microsoft Graph application permission: an app role
	// assignment on the Microsoft Graph service principal, which setup
	// makes.
	AppRole GrantKind = iota
	// ExchangeScope is Mail.Send given through Exchange Online RBAC for
	// Applications, scoped to one mailbox. Graph cannot make it; setup
	// prints the commands.
	ExchangeScope
	// CatalogRole is an Entitlement Management catalog role, scoped to the
	// catalog of the MFA reset access package.
	CatalogRole
)

// Permission is one row of the permissions table: what the Function's
// managed identity needs, why, and when. The README's table is rendered
// from Permissions and a test keeps the two equal.
type Permission struct {
	Kind GrantKind
	// Candidates are the permission names, least privileged first. For
	// AppRole the first one the Microsoft Graph service principal offers
	// is granted (granular method permissions are newer than some clouds).
	Candidates []string
	Why        string
	UsedBy     string
	// When says in words when it is needed; Needed decides it.
	When   string
	Needed func(config.Settings) bool
}

// Name is the permission as the README names it.
func (p Permission) Name() string {
	switch p.Kind {
	case CatalogRole:
		return "catalog role **" + p.Candidates[0] + "**"
	case ExchangeScope:
		return "`" + p.Candidates[0] + "` (Exchange Online RBAC for Applications)"
	}
	names := make([]string, len(p.Candidates))
	for i, c := range p.Candidates {
		names[i] = "`" + c + "`"
	}
	return strings.Join(names, ", else ")
}

func always(config.Settings) bool { return true }

func caGroup(s config.Settings) bool { return s.Reset.CAGroupID != "" }

// resetsMethod is true when RESET_METHOD_TYPES names the method type.
func resetsMethod(m string) func(config.Settings) bool {
	return func(s config.Settings) bool { return slices.Contains(s.Reset.MethodTypes, m) }
}

// methodPermission is the per-method permission the reset's typed DELETE
// needs, with the broad one as the fallback where the granular one is not
// offered.
func methodPermission(method, granular, what string) Permission {
	return Permission{
		Kind:       AppRole,
		Candidates: []string{granular, "UserAuthenticationMethod.ReadWrite.All"},
		Why:        "delete " + what + " through the typed endpoint",
		UsedBy:     "MfaReset",
		When:       "`" + method + "` in `RESET_METHOD_TYPES`",
		Needed:     resetsMethod(method),
	}
}

// Permissions is the one list of what the Function's identity may need,
// in the README's order.
var Permissions = []Permission{
	{
		Kind: AppRole, Candidates: []string{"User.Read.All"},
		Why:    "read the user, their manager and the manager's mail; list the user's `transitiveMemberOf` (group ids and active directory roles) for the protected-account check",
		UsedBy: "all", When: "always", Needed: always,
	},
	{
		Kind: AppRole, Candidates: []string{"GroupMember.Read.All"},
		Why: "see which of those groups are role-assignable (`isAssignableToRole`): without it Graph returns groups with their id only; " +
			"with bulk FIDO2 enrollment, expand a job's group (`transitiveMembers/microsoft.graph.user`, group-list-transitivemembers)",
		UsedBy: "all", When: "`CA_GROUP_ID` empty (`GroupMember.ReadWrite.All` covers it)",
		Needed: func(s config.Settings) bool { return !caGroup(s) },
	},
	{
		Kind: AppRole, Candidates: []string{"RoleManagement.Read.Directory"},
		Why:    "read role assignments at every scope (`roleAssignments`) and PIM role eligibility (`roleEligibilityScheduleInstances`) of the user, their role-assignable groups and the groups they may join through PIM, to refuse admins and eligible admins",
		UsedBy: "all", When: "always", Needed: always,
	},
	{
		Kind: AppRole, Candidates: []string{"PrivilegedEligibilitySchedule.Read.AzureADGroup"},
		Why:    "read the user's PIM for Groups eligibilities (`privilegedAccess/group/eligibilityScheduleInstances`): a user who may activate membership or ownership of a group that holds a role is an administrator in waiting",
		UsedBy: "all", When: "always", Needed: always,
	},
	{
		Kind: AppRole, Candidates: []string{"UserAuthMethod-TAP.ReadWrite.All", "UserAuthenticationMethod.ReadWrite.All"},
		Why:    "create (and withdraw) the one-time TAP; delete an old one",
		UsedBy: "NewHireTap, MfaReset", When: "always", Needed: always,
	},
	{
		Kind: ExchangeScope, Candidates: []string{"Mail.Send"},
		Why: "send the pass and the user's notice from the sender mailbox (`MAIL_SENDER`) only. Setup prints the Exchange commands " +
			"(`New-ManagementScope`, `New-ManagementRoleAssignment -Role \"Application Mail.Send\"`) and never grants the tenant-wide " +
			"Graph `Mail.Send`; remove that grant if present: Exchange grants are additive",
		UsedBy: "NewHireTap, MfaReset", When: "always", Needed: always,
	},
	{
		Kind: AppRole, Candidates: []string{"UserAuthenticationMethod.Read.All"},
		Why: "list a user's registered methods (`/authentication/methods`): what the reset deletes, and a removed member's remaining pass; " +
			"read the user's default method on every reset (beta `GET signInPreferences`: authentication-get lists only " +
			"`UserAuthenticationMethod.Read` for applications, a permission Graph offers to delegated callers only, so this is " +
			"its application counterpart; not verified in a tenant)",
		UsedBy: "MfaReset, CaGroupExpiry", When: "always", Needed: always,
	},
	{
		Kind: AppRole, Candidates: []string{"UserAuthMethod-Phone.ReadWrite.All", "UserAuthenticationMethod.ReadWrite.All"},
		Why:    "delete phone methods through their typed endpoint; create, update and delete the mobile method",
		UsedBy: "MfaReset, PhoneSync",
		When:   "`phone` in `RESET_METHOD_TYPES`, or phone sync on (`PHONE_SYNC_CALLER_APP_IDS` or `PHONE_SYNC_HANDSHAKE_SECRET`)",
		Needed: func(s config.Settings) bool { return resetsMethod("phone")(s) || s.PhoneSync.Enabled() },
	},
	methodPermission("microsoftAuthenticator", "UserAuthMethod-MicrosoftAuthApp.ReadWrite.All", "Microsoft Authenticator registrations"),
	methodPermission("softwareOath", "UserAuthMethod-SoftwareOATH.ReadWrite.All", "software OATH tokens"),
	{
		Kind: AppRole, Candidates: []string{"UserAuthMethod-Passkey.ReadWrite.All", "UserAuthenticationMethod.ReadWrite.All"},
		Why: "delete passkeys (FIDO2) through the typed endpoint; with bulk FIDO2 enrollment, register the new passkey " +
			"(`POST fido2Methods`) and list and delete the user's older ones (`replaceExisting`), for which " +
			"authentication-post-fido2methods and fido2authenticationmethod-delete name it least privileged",
		UsedBy: "MfaReset, Fido2Register",
		When:   "`fido2` in `RESET_METHOD_TYPES`, or `FIDO2_ENABLED`",
		Needed: func(s config.Settings) bool { return resetsMethod("fido2")(s) || s.Fido2.Enabled },
	},
	methodPermission("windowsHelloForBusiness", "UserAuthMethod-WindowsHello.ReadWrite.All", "Windows Hello for Business keys"),
	methodPermission("email", "UserAuthMethod-Email.ReadWrite.All", "the email method"),
	methodPermission("platformCredential", "UserAuthMethod-PlatformCred.ReadWrite.All", "platform credentials (macOS)"),
	{
		Kind: AppRole, Candidates: []string{"UserAuthenticationMethod.ReadWrite.All"},
		Why: "two beta calls no granular permission covers. The reset moves a default `alternateMobile` phone to the mobile " +
			"before deleting it (`PATCH signInPreferences`: authentication-update lists this one for applications beside " +
			"the delegated-only `UserAuthenticationMethod.ReadWrite`). Bulk FIDO2 enrollment asks for creation options " +
			"with a challenge that lasts until a desk writes the key (`creationOptions(challengeTimeoutInMinutes=N)`: " +
			"fido2authenticationmethod-creationoptions lists only this one; v1.0 takes `UserAuthMethod-Passkey.ReadWrite.All` " +
			"but fixes the challenge at 5 minutes). While held it covers every method permission above",
		UsedBy: "MfaReset, Fido2Job",
		When:   "`phone` in `RESET_METHOD_TYPES`, or `FIDO2_ENABLED`",
		Needed: func(s config.Settings) bool { return resetsMethod("phone")(s) || s.Fido2.Enabled },
	},
	{
		Kind: AppRole, Candidates: []string{"User.RevokeSessions.All", "User.ReadWrite.All"},
		Why:    "`revokeSignInSessions` (Microsoft's pages disagree on the least privilege: setup grants the first one the tenant offers to applications)",
		UsedBy: "MfaReset", When: "always", Needed: always,
	},
	{
		Kind: AppRole, Candidates: []string{"GroupMember.ReadWrite.All"},
		Why:    "add the user to the temporary CA group and remove them after their window (also covers `GroupMember.Read.All`)",
		UsedBy: "MfaReset, CaGroupExpiry", When: "`CA_GROUP_ID` set", Needed: caGroup,
	},
	{
		Kind: AppRole, Candidates: []string{"AuditLog.Read.All"},
		Why:    "read \"Add member to group\" entries for members the ledger does not know (the docs also list `Directory.Read.All`; test without it first)",
		UsedBy: "CaGroupExpiry", When: "`CA_GROUP_ID` set (the expiry timer's audit look-up)", Needed: caGroup,
	},
	{
		Kind: CatalogRole, Candidates: []string{"Access package assignment manager", "EntitlementManagement.ReadWrite.All"},
		Why: "resume the access-package request with the outcome; scoped to the reset package's catalog (else the tenant-wide " +
			"`EntitlementManagement.ReadWrite.All`); setup assigns it with `--catalog`",
		UsedBy: "MfaReset", When: "`RESET_RESUME` true",
		Needed: func(s config.Settings) bool { return s.Reset.Resume },
	},
}

// Needed lists the permissions the settings call for, in table order.
func Needed(s config.Settings) []Permission {
	var out []Permission
	for _, p := range Permissions {
		if p.Needed(s) {
			out = append(out, p)
		}
	}
	return out
}

// MarkdownRow renders one row of the README's permissions table.
func (p Permission) MarkdownRow() string {
	return "| " + p.Name() + " | " + p.Why + " | " + p.UsedBy + " | " + p.When + " |"
}

// MarkdownTable renders the README's permissions table.
func MarkdownTable() string {
	rows := []string{"| Permission | Why | Used by | Needed when |", "|---|---|---|---|"}
	for _, p := range Permissions {
		rows = append(rows, p.MarkdownRow())
	}
	return strings.Join(rows, "\n") + "\n"
}
