"""mutant 13.4: the replicated part divided by ep too, as if attention were sharded."""



def memory_per_device(n_replicated, n_routed, n_devices, ep, param_bytes=2, grad_bytes=2,
                      optim_bytes=12, shard_optimizer=False):
    if ep < 1 or n_devices % ep:
        raise ValueError(f"memory_per_device: ep={ep} must divide n_devices={n_devices}")
    local = (n_replicated + n_routed) / ep
    if shard_optimizer:
        optimizer = (n_replicated / n_devices + (n_routed / ep) / (n_devices / ep)) * optim_bytes
    else:
        optimizer = local * optim_bytes
    memory = {"params": local * param_bytes, "grads": local * grad_bytes, "optimizer": optimizer}
    memory["total"] = sum(memory.values())
    return memory
