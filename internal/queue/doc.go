// Package queue holds our Azure Storage queue helpers on top of azqueue:
// clients from the app's settings and the message encoding the Functions
// queue trigger expects.
//
// Two facts shape it (reference functions-host.md §2.6, §9): azqueue rejects
// the UseDevelopmentStorage=true shorthand the Functions host accepts, and it
// sends message text as given while the trigger (messageEncoding base64,
// the default) base64-decodes it, sending undecodable messages straight to
// <queue>-poison. Every enqueuer in this repository goes through Encode.
package queue
