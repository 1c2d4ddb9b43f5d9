package host

// Realistic invocation bodies, as the host serialises them (reference
// §2.3–2.4; cross-checked with KarlGW/azfunc trigger fixtures).

const fixtureQueueHost = `{"Data":{"job":"\"{\\\"jobId\\\":\\\"42\\\",\\\"upn\\\":\\\"a@b.c\\\"}\""},
 "Metadata":{"DequeueCount":"1","ExpirationTime":"2026-11-29T10:00:00+00:00",
  "Id":"\"4e773554-f6b7-4ea2-b07d-4c5fd5aba741\"","InsertionTime":"2026-11-22T10:00:00+00:00",
  "NextVisibleTime":"2026-11-22T10:00:30+00:00","PopReceipt":"\"AgAAAAMAAAAAAAAAAgtnj8x+1QE=\"",
  "sys":{"MethodName":"ProcessFido2Job","UtcNow":"2026-11-22T10:00:00.123Z","RandGuid":"24ad4c06-8d59-4b1e-a3b6-9e2f1a3c7d11"}}}`

// The documentation's idealised shape: single-encoded text, a number.
const fixtureQueueDocs = `{"Data":{"job":"{\"jobId\":\"42\",\"upn\":\"a@b.c\"}"},
 "Metadata":{"DequeueCount":1,"ExpirationTime":"2026-11-29T10:00:00+00:00",
  "Id":"4e773554-f6b7-4ea2-b07d-4c5fd5aba741","InsertionTime":"2026-11-22T10:00:00+00:00",
  "NextVisibleTime":"2026-11-22T10:00:30+00:00","PopReceipt":"AgAAAAMAAAAAAAAAAgtnj8x+1QE=",
  "sys":{"MethodName":"ProcessFido2Job","UtcNow":"2026-11-22T10:00:00.123Z","RandGuid":"24ad4c06"}}}`

// Older hosts quote dates through JsonConvert.SerializeObject as well.
const fixtureQueueOldHost = `{"Data":{"job":"\"{\\\"jobId\\\":\\\"42\\\",\\\"upn\\\":\\\"a@b.c\\\"}\""},
 "Metadata":{"DequeueCount":"3","ExpirationTime":"\"2026-11-29T10:00:00+00:00\"",
  "Id":"\"4e773554-f6b7-4ea2-b07d-4c5fd5aba741\"","InsertionTime":"\"2026-11-22T10:00:00+00:00\"",
  "NextVisibleTime":"\"2026-11-22T10:00:30+00:00\"","PopReceipt":"\"AgAAAAMAAAAAAAAAAgtnj8x+1QE=\"",
  "sys":{"MethodName":"ProcessFido2Job","UtcNow":"2026-11-22T10:00:00.123Z","RandGuid":"24ad4c06"}}}`

// A raw object under the binding name (hand-written tests, some tools).
const fixtureQueueObject = `{"Data":{"job":{"jobId":"42","upn":"a@b.c"}},
 "Metadata":{"DequeueCount":"2","Id":"4e773554-f6b7-4ea2-b07d-4c5fd5aba741"}}`

const fixtureTimerMonitor = `{"Data":{"timer":{"Schedule":{"AdjustForDST":true},
  "ScheduleStatus":{"Last":"2026-11-21T03:00:00.0005Z","Next":"2026-11-22T03:00:00Z","LastUpdated":"2026-11-21T03:00:00.0005Z"},
  "IsPastDue":false}},
 "Metadata":{"sys":{"MethodName":"GroupCleanup","UtcNow":"2026-11-22T03:00:00.0101Z","RandGuid":"0b1d0e4a"}}}`

const fixtureTimerNoMonitor = `{"Data":{"timer":{"Schedule":{"AdjustForDST":true},"ScheduleStatus":null,"IsPastDue":true}},
 "Metadata":{"sys":{"MethodName":"GroupCleanup","UtcNow":"2026-11-22T03:00:07Z","RandGuid":"0b1d0e4a"}}}`

const fixtureHTTPPost = `{"Data":{"req":{"Url":"http://localhost:7071/api/phone-sync?tenant=x&tag=a,b","Method":"POST",
  "Query":{"tenant":"x","tag":"a,b"},"Headers":{"Content-Type":["application/json"],"X-Signature":["sig"],"Accept":["application/json","text/plain"]},"Params":{},
  "Identities":[{"AuthenticationType":"WebJobsAuthLevel","IsAuthenticated":true,"Claims":[{"Type":"http://schemas.microsoft.com/2017/07/functions/claims/authlevel","Value":"Function"}]}],
  "Body":"{\"deviceId\":\"123\"}"}},
 "Metadata":{"Query":{"tenant":"x","tag":"a,b"},"Headers":{"Content-Type":"application/json"},
  "sys":{"MethodName":"PhoneSync","UtcNow":"2026-11-22T10:00:00Z","RandGuid":"5f1c"}}}`

// A GET without a body: the host omits Body; route parameters in Params.
const fixtureHTTPGetParams = `{"Data":{"req":{"Url":"https://app.azurewebsites.net/api/users/u%201/tap","Method":"GET",
  "Query":{},"Headers":{"Accept":["*/*"]},"Params":{"id":"u 1"},"Identities":[]}},
 "Metadata":{"id":"\"u 1\"","Query":{},"Headers":{"Accept":"*/*"},"sys":{"MethodName":"UserTap","UtcNow":"2026-11-22T10:00:00Z","RandGuid":"5f1c"}}}`

const fixtureHTTPBinary = `{"Data":{"req":{"Url":"http://localhost:7071/api/upload","Method":"POST","Query":{},
  "Headers":{"Content-Type":["application/octet-stream"]},"Params":{},"Body":"AAECAw=="}},"Metadata":{}}`
