/**
 * Checks of the Kubernetes manifests in k8s/: rendered with kubectl kustomize, parsed with the
 * fabric8 Kubernetes model, and compared with the node's configuration.
 */
package io.annals.k8s;
