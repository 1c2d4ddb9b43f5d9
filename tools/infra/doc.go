// Package infra holds the Bicep template of the app's Azure resources
// (main.bicep) and the test that keeps it naming every queue the functions
// use and every setting the handler reads. There is no Go code to run.
package infra
