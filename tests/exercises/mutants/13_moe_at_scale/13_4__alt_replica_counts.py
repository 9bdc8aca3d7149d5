"""alternative 13.4: per part, its share and its replicas (P for dense, P / ep for experts)."""



def memory_per_device(n_replicated, n_routed, n_devices, ep, param_bytes=2, grad_bytes=2,
                      optim_bytes=12, shard_optimizer=False):
    if not (isinstance(ep, int) and ep > 0 and n_devices % ep == 0):
        raise ValueError(f"ep {ep} does not divide {n_devices} devices")
    groups = n_devices // ep  # replicas of each expert
    per_device = {"dense": n_replicated, "experts": n_routed / ep}
    replicas = {"dense": n_devices, "experts": groups}
    held = sum(per_device.values())
    state = sum(per_device[p] / (replicas[p] if shard_optimizer else 1) for p in per_device)
    out = dict(params=held * param_bytes, grads=held * grad_bytes, optimizer=state * optim_bytes)
    out["total"] = out["params"] + out["grads"] + out["optimizer"]
    return out
