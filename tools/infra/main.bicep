// Infrastructure of entra-mfa-recovery: the Function App on Flex
// Consumption (Linux, custom handler), its user-assigned managed identity,
// storage reached with that identity (no account keys), the queues and the
// ledger table, Key Vault (RBAC), Application Insights (Entra
// authentication only), and the relay Logic App
// (../setup/relay/relay.template.json, included as a module, not copied).
//
// Deploy (twice: the relay needs the function key of code deployed in
// between; see README.md "Deploy"):
//   az deployment group create -g <rg> -f tools/infra/main.bicep -p tools/infra/main.parameters.json [relay parameters]
//
// infra_test.go keeps this file naming every queue the functions use and
// every setting the handler reads. Nothing here has been compiled with the
// Bicep CLI in this repository; `az bicep build -f tools/infra/main.bicep`
// is the first check to run.

targetScope = 'resourceGroup'

@description('Short name the resource names derive from (letters and digits).')
@minLength(3)
@maxLength(12)
param baseName string

param location string = resourceGroup().location

@description('The Entra tenant the app serves.')
param tenantId string = tenant().tenantId

@description('CALLER_AUDIENCES: this app\'s Application ID URI and/or client id, comma-separated. The first is also the audience the relay asks a token for.')
param callerAudiences string

@description('PROTECTED_GROUP_ID: group whose (nested) members are never reset.')
param protectedGroupId string

@description('MAIL_SENDER: the mailbox passes are sent from.')
param mailSender string

@description('NEW_HIRE_CALLER_APP_IDS: application ids allowed to call NewHireTap, comma-separated.')
param newHireCallerAppIds string

@description('ACCESS_PACKAGE_CALLER_APP_IDS: the relay\'s managed identity (client id). Empty on the first deployment: the handler then answers 503 naming it until the second.')
param accessPackageCallerAppIds string = ''

@description('AccessPackageCallout\'s function key, for the relay. Empty on the first deployment (the code is not deployed yet).')
@secure()
param accessPackageFunctionKey string = ''

@description('Logic App name of the relay; the custom extension names it too.')
param relayName string = 'logic-${baseName}-relay'

@description('Other settings (see the settings reference in README.md), e.g. {"CA_GROUP_ID": "<id>"}. They override the defaults below.')
param settings object = {}

@description('Most instances Flex Consumption may run.')
param maximumInstanceCount int = 40

var suffix = uniqueString(resourceGroup().id, baseName)
var storageName = take('st${toLower(baseName)}${suffix}', 24)
var deploymentContainer = 'app-package'
var ledgerTable = contains(settings, 'LEDGER_TABLE') ? settings.LEDGER_TABLE : 'mfarecoveryledger'
var login = environment().authentication.loginEndpoint // ends with '/'
var authorityHost = endsWith(login, '/') ? substring(login, 0, length(login) - 1) : login

// Queues the functions read and write: mfa-reset (AccessPackageCallout ->
// MfaReset), fido2-jobs (Fido2Jobs -> Fido2Job), fido2-pending (Fido2Job ->
// the desk keywriter), fido2-results (keywriter -> Fido2Register). The
// host moves a message that keeps failing to <queue>-poison.
var queues = ['mfa-reset', 'fido2-jobs', 'fido2-pending', 'fido2-results']
var triggeredQueues = ['mfa-reset', 'fido2-jobs', 'fido2-results']

// Built-in role ids (learn.microsoft.com/azure/role-based-access-control/built-in-roles).
var roles = {
  storageBlobDataOwner: 'b7e6dc6d-f1e8-4753-8033-0f276bb0955b'
  storageQueueDataContributor: '974c5e8b-45b9-4653-ba55-5f855dd0fb88'
  storageTableDataContributor: '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3'
  keyVaultSecretsUser: '4633458b-17de-408a-b874-0445c86b69e6'
  monitoringMetricsPublisher: '3913510d-42f4-4e42-8a64-420c390055eb'
}

resource identity 'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31' = {
  name: 'id-${baseName}'
  location: location
}

resource storage 'Microsoft.Storage/storageAccounts@2023-05-01' = {
  name: storageName
  location: location
  kind: 'StorageV2'
  sku: { name: 'Standard_LRS' }
  properties: {
    allowSharedKeyAccess: false // identity-based connections only
    allowBlobPublicAccess: false
    minimumTlsVersion: 'TLS1_2'
    supportsHttpsTrafficOnly: true
    defaultToOAuthAuthentication: true
  }
}

resource blobService 'Microsoft.Storage/storageAccounts/blobServices@2023-05-01' = {
  parent: storage
  name: 'default'
}

resource packageContainer 'Microsoft.Storage/storageAccounts/blobServices/containers@2023-05-01' = {
  parent: blobService
  name: deploymentContainer
  properties: { publicAccess: 'None' }
}

resource queueService 'Microsoft.Storage/storageAccounts/queueServices@2023-05-01' = {
  parent: storage
  name: 'default'
}

resource workQueues 'Microsoft.Storage/storageAccounts/queueServices/queues@2023-05-01' = [for q in queues: {
  parent: queueService
  name: q
}]

resource poisonQueues 'Microsoft.Storage/storageAccounts/queueServices/queues@2023-05-01' = [for q in triggeredQueues: {
  parent: queueService
  name: '${q}-poison'
}]

resource tableService 'Microsoft.Storage/storageAccounts/tableServices@2023-05-01' = {
  parent: storage
  name: 'default'
}

resource ledger 'Microsoft.Storage/storageAccounts/tableServices/tables@2023-05-01' = {
  parent: tableService
  name: ledgerTable
}

resource storageRoles 'Microsoft.Authorization/roleAssignments@2022-04-01' = [for r in [roles.storageBlobDataOwner, roles.storageQueueDataContributor, roles.storageTableDataContributor]: {
  scope: storage
  name: guid(storage.id, identity.id, r)
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', r)
    principalId: identity.properties.principalId
    principalType: 'ServicePrincipal'
  }
}]

resource vault 'Microsoft.KeyVault/vaults@2023-07-01' = {
  name: take('kv-${toLower(baseName)}-${suffix}', 24)
  location: location
  properties: {
    tenantId: tenantId
    sku: { family: 'A', name: 'standard' }
    enableRbacAuthorization: true // roles, not access policies
    enableSoftDelete: true
    enablePurgeProtection: true
    publicNetworkAccess: 'Enabled'
  }
}

resource vaultRole 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  scope: vault
  name: guid(vault.id, identity.id, roles.keyVaultSecretsUser)
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.keyVaultSecretsUser)
    principalId: identity.properties.principalId
    principalType: 'ServicePrincipal'
  }
}

resource logs 'Microsoft.OperationalInsights/workspaces@2023-09-01' = {
  name: 'log-${baseName}'
  location: location
  properties: {
    sku: { name: 'PerGB2018' }
    retentionInDays: 90
  }
}

resource insights 'Microsoft.Insights/components@2020-02-02' = {
  name: 'appi-${baseName}'
  location: location
  kind: 'web'
  properties: {
    Application_Type: 'web'
    WorkspaceResourceId: logs.id
    DisableLocalAuth: true // telemetry only with the identity's Entra token
  }
}

resource insightsRole 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  scope: insights
  name: guid(insights.id, identity.id, roles.monitoringMetricsPublisher)
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.monitoringMetricsPublisher)
    principalId: identity.properties.principalId
    principalType: 'ServicePrincipal'
  }
}

resource plan 'Microsoft.Web/serverfarms@2024-04-01' = {
  name: 'plan-${baseName}'
  location: location
  kind: 'functionapp'
  sku: { name: 'FC1', tier: 'FlexConsumption' }
  properties: { reserved: true } // Linux
}

resource app 'Microsoft.Web/sites@2024-04-01' = {
  name: 'func-${baseName}-${suffix}'
  location: location
  kind: 'functionapp,linux'
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: { '${identity.id}': {} }
  }
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    keyVaultReferenceIdentity: identity.id
    siteConfig: {
      minTlsVersion: '1.2'
      ftpsState: 'Disabled'
    }
    functionAppConfig: {
      deployment: {
        storage: {
          type: 'blobContainer'
          value: '${storage.properties.primaryEndpoints.blob}${deploymentContainer}'
          authentication: {
            type: 'UserAssignedIdentity'
            userAssignedIdentityResourceId: identity.id
          }
        }
      }
      runtime: { name: 'custom', version: '1.0' } // the Go handler (host.json customHandler)
      scaleAndConcurrency: {
        maximumInstanceCount: maximumInstanceCount
        instanceMemoryMB: 2048
      }
    }
  }
  dependsOn: [storageRoles]
}

// The host's and the handler's storage, by identity: the host reads the
// AzureWebJobsStorage__* service URIs with __credential and __clientId;
// the handler reads the queue and table URIs with AZURE_CLIENT_ID.
var storageSettings = {
  AzureWebJobsStorage__credential: 'managedidentity'
  AzureWebJobsStorage__clientId: identity.properties.clientId
  AzureWebJobsStorage__blobServiceUri: storage.properties.primaryEndpoints.blob
  AzureWebJobsStorage__queueServiceUri: storage.properties.primaryEndpoints.queue
  AzureWebJobsStorage__tableServiceUri: storage.properties.primaryEndpoints.table
}

// No setting holds a secret: the handler reads its secrets (the Teams
// webhook URL, the phone-sync handshake) from Key Vault by name at run
// time, so a rotation needs no restart. Should you add one, write it as a
// reference, e.g. '@Microsoft.KeyVault(VaultName=${vault.name};SecretName=<name>)';
// keyVaultReferenceIdentity above resolves it with the app's identity.
var requiredSettings = {
  TENANT_ID: tenantId
  AZURE_CLIENT_ID: identity.properties.clientId
  CALLER_AUDIENCES: callerAudiences
  PROTECTED_GROUP_ID: protectedGroupId
  MAIL_SENDER: mailSender
  NEW_HIRE_CALLER_APP_IDS: newHireCallerAppIds
  ACCESS_PACKAGE_CALLER_APP_IDS: accessPackageCallerAppIds
  KEY_VAULT_URL: vault.properties.vaultUri
  LEDGER_TABLE: ledgerTable
  APPLICATIONINSIGHTS_CONNECTION_STRING: insights.properties.ConnectionString
  APPLICATIONINSIGHTS_AUTHENTICATION_STRING: 'ClientId=${identity.properties.clientId};Authorization=AAD'
}

// Defaults of every other setting, as in local.settings.sample.json; an
// empty value means the handler's own default or "off".
var defaultSettings = {
  GRAPH_BASE_URL: '${environment().graph}v1.0'
  GRAPH_SCOPE: ''
  GRAPH_CREDENTIAL: 'managed-identity'
  GRAPH_MAX_ATTEMPTS: '5'
  GRAPH_MAX_RETRY_DELAY_SECONDS: '60'
  GRAPH_TIMEOUT_SECONDS: '60'
  AUTHORITY_HOST: authorityHost
  CALLER_ISSUERS: ''
  CALLER_JWKS_URL: ''
  CALLER_CLOCK_SKEW_SECONDS: '120'
  NEW_HIRE_TAP_LIFETIME_MINUTES: '120'
  RESET_STAGES: 'assignmentRequestApproved'
  RESET_TAP_LIFETIME_MINUTES: '60'
  RESET_METHOD_TYPES: 'phone,microsoftAuthenticator,softwareOath,fido2,windowsHelloForBusiness,email,platformCredential,temporaryAccessPass'
  RESET_SCOPE_GROUP_ID: ''
  RESET_ALLOW_SELF_REQUEST: 'false'
  RESET_DELIVER_TO: 'manager'
  RESET_NOTIFY_USER: 'true'
  RESET_RESUME: 'true'
  RESET_TEAMS_WEBHOOK_SECRET: ''
  RESET_LEASE_SECONDS: '120'
  CA_GROUP_ID: ''
  CA_GROUP_EXPIRY_SCHEDULE: '0 */15 * * * *'
  CA_GROUP_EXPIRY_WINDOW_MINUTES: '180'
  CA_GROUP_EXPIRY_UNKNOWN_MEMBERS: 'remove'
  CA_GROUP_EXPIRY_REPORT_ONLY: 'false'
  CA_GROUP_EXPIRY_DELETE_TAP: 'false'
  PHONE_SYNC_CALLER_APP_IDS: ''
  PHONE_SYNC_HANDSHAKE_HEADER: 'message'
  PHONE_SYNC_HANDSHAKE_SECRET: ''
  PHONE_SYNC_SOURCE: 'onPremisesExtensionAttributes.extensionAttribute15'
  PHONE_SYNC_DEFAULT_REGION: ''
  PHONE_SYNC_BATCH_LIMIT: '1000'
  PHONE_SYNC_CONCURRENCY: '100'
  PHONE_SYNC_DELETE_ALTERNATE_MOBILE: 'false'
  PHONE_SYNC_SCOPE_GROUP_ID: ''
  PHONE_SYNC_TIME_BUDGET_SECONDS: '200'
  FIDO2_ENABLED: 'false'
  FIDO2_CALLER_APP_IDS: ''
  FIDO2_CONCURRENCY: '64'
  FIDO2_REFRESH_EXPIRED: 'false'
  LOG_LEVEL: 'info'
}

resource appSettings 'Microsoft.Web/sites/config@2024-04-01' = {
  parent: app
  name: 'appsettings'
  properties: union(defaultSettings, settings, storageSettings, requiredSettings)
}

// The relay: Entitlement Management -> Logic App (PoP token) -> the
// function (managed-identity token + function key).
module relay '../setup/relay/relay.template.json' = {
  name: 'relay'
  params: {
    workflowName: relayName
    location: location
    tenantId: tenantId
    functionUrl: 'https://${app.properties.defaultHostName}'
    functionAudience: split(callerAudiences, ',')[0]
    functionKey: accessPackageFunctionKey
  }
}

output functionAppName string = app.name
output functionAppUrl string = 'https://${app.properties.defaultHostName}'
output identityClientId string = identity.properties.clientId
output identityPrincipalId string = identity.properties.principalId
output keyVaultName string = vault.name
output storageAccountName string = storage.name
output relayPrincipalId string = relay.outputs.principalId
output relayWorkflowPath string = relay.outputs.workflowPath
