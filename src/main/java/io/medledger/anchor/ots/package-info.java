/** OpenTimestamps detached timestamp (.ots) reading and writing. */
package io.medledger.anchor.ots;
