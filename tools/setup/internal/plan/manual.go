package plan

import (
	"strings"

	"github.com/passkeyfirst/entra-mfa-recovery/internal/directory"
)

// exchangeCommands scope Mail.Send to the one sender mailbox with Exchange
// Online RBAC for Applications (learn.microsoft.com/exchange/permissions-exo/application-rbac).
func exchangeCommands(identity directory.ServicePrincipal, sender string) []string {
	filter := "PrimarySmtpAddress -eq '" + sender + "'"
	if directory.IsObjectID(sender) {
		filter = "ExternalDirectoryObjectId -eq '" + sender + "'"
	}
	scope := "mfa-recovery-sender"
	return []string{
		"In Exchange Online PowerShell (Connect-ExchangeOnline):",
		"  New-ServicePrincipal -AppId " + identity.AppID + " -ObjectId " + identity.ID + " -DisplayName '" + quote(identity.DisplayName) + "'",
		"  New-ManagementScope -Name " + scope + " -RecipientRestrictionFilter \"" + filter + "\"",
		"  New-ManagementRoleAssignment -App " + identity.AppID + " -Role 'Application Mail.Send' -CustomResourceScope " + scope,
		"  Test-ServicePrincipalAuthorization -Identity " + identity.AppID + " -Resource '" + quote(sender) + "'",
	}
}

func quote(s string) string { return strings.ReplaceAll(s, "'", "''") }

// catalogRoleSteps: the catalog role is assigned per catalog, which setup
// does not know yet.
func catalogRoleSteps(identity directory.ServicePrincipal) string {
	return "In the Entra admin center: Identity Governance > Catalogs > (the catalog of the MFA reset access package) > " +
		"Roles and administrators > Add access package assignment manager > " + identity.DisplayName + " (" + identity.ID + ")"
}
