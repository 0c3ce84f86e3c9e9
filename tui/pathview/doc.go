// Package pathview draws the request path of a component: the
// client, the component, then its depends_on recursively, one row per hop
// with its verdict, and marks the first hop where the connection breaks.
package pathview
