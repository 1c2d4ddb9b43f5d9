package graphdouble

// addFido2Types covers the passkey registration body
// (authentication-post-fido2methods): fido2AuthenticationMethod with
// displayName and publicKeyCredential. clientExtensionResults is an open
// type with no declared properties, so any member is accepted there.
func addFido2Types(s *edmSchema) {
	s.addType("fido2AuthenticationMethod", "authenticationMethod", false, false,
		"aaGuid:Edm.String", "attestationCertificates:Collection(Edm.String)",
		"attestationLevel:"+g+"attestationLevel", "displayName:Edm.String", "model:Edm.String",
		"passkeyType:"+g+"passkeyType", "publicKeyCredential:"+g+"webauthnPublicKeyCredential")
	s.addType("webauthnPublicKeyCredential", "", false, true,
		"clientExtensionResults:"+g+"webauthnAuthenticationExtensionsClientOutputs",
		"id:Edm.String", "response:"+g+"webauthnAuthenticatorAttestationResponse")
	s.addType("webauthnAuthenticatorAttestationResponse", "", false, true,
		"attestationObject:Edm.String", "clientDataJSON:Edm.String")
	s.addType("webauthnAuthenticationExtensionsClientOutputs", "", false, true)
	s.types[g+"webauthnAuthenticationExtensionsClientOutputs"].bag = true
	s.addEnum("attestationLevel", "attested", "notAttested", "unknownFutureValue")
	s.addEnum("passkeyType", "deviceBound", "synced", "unknownFutureValue")
}
