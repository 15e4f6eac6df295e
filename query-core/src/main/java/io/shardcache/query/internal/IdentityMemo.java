package io.shardcache.query.internal;

import java.lang.ref.WeakReference;
import org.jspecify.annotations.Nullable;

/**
 * A small direct-mapped cache by identity: a value computed from an object is kept in the slot its
 * identity hash picks, until another object takes that slot or the object is collected. For the hit
 * path, where a map's bookkeeping costs more than the work it saves: a lookup is one array read and a
 * reference comparison, with nothing allocated.
 *
 * <p>Thread-safe without locks: a slot is an immutable pair written in one reference store, so a
 * reader sees a whole pair or an older one; a lost update only costs a recomputation.
 */
final class IdentityMemo<K, V> {

    private record Slot<K, V>(WeakReference<K> key, V value) {
    }

    private final @Nullable Slot<K, V>[] slots;
    private final int mask;

    @SuppressWarnings("unchecked")
    IdentityMemo(int sizePowerOfTwo) {
        if (Integer.bitCount(sizePowerOfTwo) != 1)
            throw new IllegalArgumentException("size must be a power of two, got " + sizePowerOfTwo);
        this.slots = new Slot[sizePowerOfTwo];
        this.mask = sizePowerOfTwo - 1;
    }

    private int index(K key) {
        int h = System.identityHashCode(key);
        return (h ^ (h >>> 16)) & mask;
    }

    @SuppressWarnings("ReferenceEquality")   // by identity: the point of this class
    @Nullable V get(K key) {
        Slot<K, V> s = slots[index(key)];
        return s != null && s.key().get() == key ? s.value() : null;
    }

    void put(K key, V value) {
        slots[index(key)] = new Slot<>(new WeakReference<>(key), value);
    }
}
