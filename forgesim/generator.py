"""A seeded generator of a demo university and its pull requests on real open AI repositories."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

from forgesim.model import SimPull, SimRepo, SimUser, World

GITHUB_REPOS = [
    "deepseek-ai/DeepSeek-V3", "QwenLM/Qwen3", "THUDM/GLM-4", "OpenBMB/MiniCPM", "InternLM/InternLM",
    "PaddlePaddle/Paddle", "vllm-project/vllm", "sgl-project/sglang", "huggingface/transformers",
    "deepseek-ai/DeepSeek-R1", "QwenLM/Qwen2.5-VL", "THUDM/ChatGLM3", "OpenBMB/MiniCPM-V", "InternLM/lmdeploy",
    "PaddlePaddle/PaddleOCR", "PaddlePaddle/PaddleNLP", "mindspore-ai/mindspore", "huggingface/peft",
    "huggingface/diffusers", "pytorch/pytorch", "modelscope/modelscope", "modelscope/ms-swift",
    "hiyouga/LLaMA-Factory", "open-compass/opencompass", "OpenGVLab/InternVL", "ggml-org/llama.cpp",
    "microsoft/DeepSpeed", "Dao-AILab/flash-attention", "infiniflow/ragflow", "langgenius/dify",
    "FlagOpen/FlagEmbedding", "01-ai/Yi",
]
GITEE_REPOS = [
    "mindspore/mindspore", "paddlepaddle/Paddle", "mindspore/mindformers", "paddlepaddle/PaddleOCR",
    "openeuler/kernel", "openeuler/A-Tune", "ascend/MindSpeed", "ascend/pytorch",
    "openharmony/ai_neural_network_runtime", "mindspore/mindquantum",
]
GITLAB_REPOS = [
    "ai-lab/nlp/toolkit", "ai-lab/vision/detector", "ai-lab/llm/finetune-recipes", "hpc-center/scheduler",
    "cs-dept/courses/ml-2026",
]
# (mirror, source): the same project on two forges.
MIRRORS = [
    ("gitee:paddlepaddle/Paddle", "github:PaddlePaddle/Paddle"),
    ("gitee:paddlepaddle/PaddleOCR", "github:PaddlePaddle/PaddleOCR"),
    ("github:mindspore-ai/mindspore", "gitee:mindspore/mindspore"),
]
DEPARTMENTS = ["计算机学院", "人工智能学院", "软件学院", "数学科学学院", "电子信息学院"]
SURNAMES = [("王", "wang"), ("李", "li"), ("张", "zhang"), ("刘", "liu"), ("陈", "chen"), ("杨", "yang"),
            ("赵", "zhao"), ("黄", "huang"), ("周", "zhou"), ("吴", "wu"), ("徐", "xu"), ("孙", "sun"),
            ("胡", "hu"), ("朱", "zhu"), ("高", "gao"), ("林", "lin"), ("何", "he"), ("郭", "guo"), ("马", "ma")]
GIVEN = [("伟", "wei"), ("芳", "fang"), ("娜", "na"), ("敏", "min"), ("静", "jing"), ("磊", "lei"),
         ("洋", "yang"), ("艳", "yan"), ("勇", "yong"), ("军", "jun"), ("杰", "jie"), ("涛", "tao"),
         ("明", "ming"), ("超", "chao"), ("秀英", "xiuying"), ("华", "hua"), ("子涵", "zihan"), ("浩然", "haoran"),
         ("思远", "siyuan"), ("雨桐", "yutong"), ("欣怡", "xinyi"), ("宇轩", "yuxuan"), ("一鸣", "yiming")]
VERBS = ["Fix", "Add", "Support", "Optimize", "Refactor", "Update", "Remove", "Improve", "Document", "Test"]
OBJECTS = ["RoPE scaling", "FP8 kernels", "tokenizer edge cases", "KV cache eviction", "MoE routing",
           "LoRA merging", "flash attention fallback", "CUDA graph capture", "speculative decoding",
           "chat template", "quantization config", "README typo", "distributed checkpoint", "NPU backend",
           "beam search", "multimodal preprocessing", "benchmark script", "dataloader memory leak"]
GITEE_TITLES = ["修复算子精度问题", "完善中文文档", "新增昇腾后端支持", "优化内存占用", "修复编译告警",
                "补充单元测试", "更新安装说明", "修复分布式训练死锁"]
# One shared string per title (a million distinct-but-equal strings would cost ~70 MB).
TITLES = [f"{verb} {obj}" for verb in VERBS for obj in OBJECTS]
LABEL_SETS = [(), (), (), ("bug",), ("enhancement",), ("documentation",), ("good first issue",),
              ("bug", "ready"), ("performance",)]
REFS = [f"{kind}/{topic}" for kind in ("fix", "feat", "docs", "perf") for topic in
        ("attention", "tokenizer", "kernel", "readme", "cache", "moe", "quant", "ci")]


def _chinese_name(rng: random.Random) -> tuple[str, str]:
    (s, sp), (g, gp) = rng.choice(SURNAMES), rng.choice(GIVEN)
    return s + g, sp + gp


def _make_people(world: World, rng: random.Random, n_students: int, n_others: int) -> dict[str, list[str]]:
    """Students, other contributors, maintainers, a bot and a service account; returns keys by role/platform."""
    pools: dict[str, list[str]] = {f"{role}:{p}": [] for role in ("student", "other", "maint")
                                   for p in ("github", "gitee", "gitlab")}
    for i in range(n_students):
        name, pinyin = _chinese_name(rng)
        sid = f"2026{i + 1:05d}"
        key = f"s{sid}"
        email = f"{pinyin}{i + 1}@stu.example.edu.cn"
        dept = DEPARTMENTS[i % len(DEPARTMENTS)]
        user = SimUser(key=key, name=name, email=email,
                       student={"student_id": sid, "name": name, "department": dept, "email": email})
        has_gh = rng.random() < 0.9
        if has_gh:
            user.github_login = f"{pinyin}-{i + 1}"
        if rng.random() < 0.35 or not has_gh:
            user.gitee_login = f"{pinyin}_{i + 1}"
        if rng.random() < 0.2:
            user.gitlab_username = f"{pinyin}.{i + 1}"
        world.add_user(user)
        for p in ("github", "gitee", "gitlab"):
            if user.login(p):
                pools[f"student:{p}"].append(key)
    for i in range(n_others):
        user = SimUser(key=f"c{i + 1}", name=f"Contributor {i + 1}", email=f"dev{i + 1}@example.org",
                       github_login=f"ai-dev-{i + 1}" if rng.random() < 0.85 else None)
        if rng.random() < 0.25 or user.github_login is None:
            user.gitee_login = f"kaifazhe{i + 1}"
        if rng.random() < 0.1:
            user.gitlab_username = f"dev{i + 1}"
        world.add_user(user)
        for p in ("github", "gitee", "gitlab"):
            if user.login(p):
                pools[f"other:{p}"].append(user.key)
    for i in range(8):
        world.add_user(SimUser(key=f"m{i + 1}", name=f"Maintainer {i + 1}", email=f"maint{i + 1}@example.org",
                               github_login=f"maintainer-{i + 1}", gitee_login=f"weihuzhe{i + 1}",
                               gitlab_username=f"maint{i + 1}"))
        for p in ("github", "gitee", "gitlab"):
            pools[f"maint:{p}"].append(f"m{i + 1}")
    world.add_user(SimUser(key="dependabot", name="dependabot[bot]", is_bot=True, github_id=49699333,
                           github_login="dependabot[bot]"))
    world.add_user(SimUser(key="xuefen-service", name="Xuefen service account", github_login="xuefen-service",
                           gitee_login="xuefen-service", gitlab_username="xuefen-service"))
    return pools


def _make_repos(world: World, rng: random.Random, n_repos: int) -> list[SimRepo]:
    """Real repository names first (interleaving platforms), then synthetic ones."""
    specs = [f"github:{p}" for p in GITHUB_REPOS] + [f"gitee:{p}" for p in GITEE_REPOS] + \
        [f"gitlab:{p}" for p in GITLAB_REPOS]
    # Interleave so that every platform appears even when n_repos is small.
    by_platform = [[s for s in specs if s.startswith(p)] for p in ("github:", "gitee:", "gitlab:")]
    specs = [s for group in _zip_longest(*by_platform) for s in group if s]
    mirror_of = dict(MIRRORS)
    for k in range(max(0, n_repos - len(specs))):
        platform = "github" if k % 10 < 7 else ("gitee" if k % 10 < 9 else "gitlab")
        path = f"ai-lab/sub{k // 50}/model-{k}" if platform == "gitlab" else f"ai-org-{k % 40}/model-{k}"
        specs.append(f"{platform}:{path}")
    repos = []
    for spec in specs[:n_repos]:
        platform, _, path = spec.partition(":")
        repo = SimRepo(platform=platform, path=path, id=world.next_id("repo"), owner=path.rsplit("/", 1)[0],
                       default_branch="master" if platform == "gitee" else "main",
                       mirror_of=mirror_of.get(spec), description=f"{path.rsplit('/', 1)[-1]} (simulated)")
        repos.append(world.add_repo(repo))
    return repos


def generate(
    n_pulls: int,
    seed: int = 0,
    n_students: int | None = None,
    n_repos: int | None = None,
    *,
    student_share: float = 0.35,
    start: datetime = datetime(2025, 1, 1, tzinfo=UTC),
    end: datetime = datetime(2026, 10, 31, 23, 59, 59, tzinfo=UTC),
    mirror_rate: float = 0.15,
) -> World:
    """A deterministic World with exactly `n_pulls` pulls for a given seed (same seed, same world)."""
    rng = random.Random(seed)
    world = World()
    n_students = n_students if n_students is not None else max(10, min(20_000, n_pulls // 40))
    n_repos = n_repos if n_repos is not None else max(
        len(GITHUB_REPOS) + len(GITEE_REPOS) + len(GITLAB_REPOS), n_pulls // 20_000)
    pools = _make_people(world, rng, n_students, max(5, n_students))
    repos = _make_repos(world, rng, n_repos)
    for platform, prefix, limit in (("github", "ghp_sim_service_", 5000), ("gitee", "gitee_sim_service_", 5000),
                                    ("gitlab", "glpat-sim-service-", 2000)):
        for i in (1, 2, 3):
            world.add_token(platform, f"{prefix}{i}", user="xuefen-service", limit=limit)
    # A few students own a repository; their PRs there are self-merged.
    own: list[SimRepo] = []
    for key in pools["student:github"][: max(1, len(pools["student:github"]) // 20)]:
        login = world.users[key].github_login
        own.append(world.add_repo(SimRepo(platform="github", path=f"{login}/course-project",
                                          id=world.next_id("repo"), owner=key, owner_is_user=True)))
    by_spec = {r.spec: r for r in repos}
    twin_of = {src: by_spec[m] for m, src in MIRRORS if m in by_spec and src in by_spec}
    weights = [1.0 / (i + 1) ** 0.8 for i in range(len(repos))]  # a few repositories get most of the work
    cum, total = [], 0.0
    for w in weights:
        total += w
        cum.append(total)
    next_number = {r.spec: 1 + rng.randrange(50, 5000) for r in repos + own}
    span = (end - start).total_seconds()
    stale_before = end - timedelta(days=30)
    made, i = 0, 0
    while made < n_pulls:
        i += 1
        created = start + timedelta(seconds=int(span * made / max(1, n_pulls)) + rng.randrange(3600))
        if own and rng.random() < 0.01:
            repo = rng.choice(own)
        else:
            repo = repos[_bisect(cum, rng.random() * total)]
        p = repo.platform
        if repo.owner_is_user:
            author = repo.owner
        elif p == "github" and rng.random() < 0.03:
            author = "dependabot"
        else:
            pool = pools[f"student:{p}"] if rng.random() < student_share else pools[f"other:{p}"]
            pool = pool or pools[f"other:{p}"] or pools[f"maint:{p}"]
            author = pool[int(len(pool) * rng.random() ** 2)]  # some people are far more active
        pull = _make_pull(world, rng, repo, author, created, end, stale_before, next_number, pools)
        made += 1
        twin = twin_of.get(repo.spec)
        if (twin is not None and pull.state == "merged" and made < n_pulls and rng.random() < mirror_rate
                and world.users[author].login(twin.platform)):
            _mirror(world, rng, pull, twin, next_number)
            made += 1
    return world


def _zip_longest(*lists: list[str]) -> list[tuple[str | None, ...]]:
    """Rows of github/gitee/gitlab names, weighting GitHub (most of the registry) three to one."""
    gh, rest = lists[0], lists[1:]
    rows: list[tuple[str | None, ...]] = []
    k = 0
    while k * 3 < len(gh) or any(k < len(r) for r in rest):
        rows.append(tuple(gh[k * 3:k * 3 + 3]) + tuple(r[k] if k < len(r) else None for r in rest))
        k += 1
    return rows


def _bisect(cum: list[float], x: float) -> int:
    lo, hi = 0, len(cum) - 1
    while lo < hi:
        mid = (lo + hi) // 2
        if cum[mid] < x:
            lo = mid + 1
        else:
            hi = mid
    return lo


def _make_pull(world: World, rng: random.Random, repo: SimRepo, author: str, created: datetime, end: datetime,
               stale_before: datetime, next_number: dict[str, int], pools: dict[str, list[str]]) -> SimPull:
    r = rng.random()
    if created < stale_before:
        state = "merged" if r < 0.7 else ("closed" if r < 0.9 else "open")
    else:
        state = "merged" if r < 0.45 else ("closed" if r < 0.6 else "open")
    labels = rng.choice(LABEL_SETS)
    if state == "closed" and rng.random() < 0.15:
        labels = ("spam",) if rng.random() < 0.5 else ("invalid",)
    elif state == "merged" and rng.random() < 0.01:
        labels = ("invalid",)
    done = min(end, created + timedelta(seconds=int(rng.lognormvariate(11, 1.4))))  # median ~17 h
    merged_at = done if state == "merged" else None
    closed_at = done if state != "open" else None
    updated = closed_at or created
    if rng.random() < 0.1:
        updated = min(end, updated + timedelta(days=rng.randrange(1, 60)))
    merged_by = None
    if state == "merged":
        if repo.owner_is_user or rng.random() < 0.05:
            merged_by = author  # self-merged
        else:
            merged_by = rng.choice(pools[f"maint:{repo.platform}"])
    additions = min(20000, int(rng.lognormvariate(3.2, 1.6)) + (1 if labels != ("spam",) else 0))
    if author == "dependabot":
        additions, labels = 2, ("dependencies",)
    deletions = int(additions * rng.random() * 0.6)
    number = next_number[repo.spec]
    next_number[repo.spec] = number + 1
    title = (rng.choice(GITEE_TITLES) if repo.platform == "gitee" and rng.random() < 0.6
             else rng.choice(TITLES))
    pull = SimPull(
        platform=repo.platform, repo_path=repo.path, number=number, id=world.next_id("pull"), author=author,
        title=title, state=state, created_at=created, updated_at=updated, merged_at=merged_at,
        closed_at=closed_at, merged_by=merged_by, additions=additions, deletions=deletions,
        changed_files=max(1, min(300, additions // 40 + rng.randrange(3))), labels=labels,
        merge_commit_sha=f"{rng.getrandbits(160):040x}" if state == "merged" else None,
        head_sha=f"{rng.getrandbits(160):040x}", head_ref=rng.choice(REFS), base_ref=repo.default_branch,
    )
    return world.insert_pull(pull)


def _mirror(world: World, rng: random.Random, pull: SimPull, twin: SimRepo, next_number: dict[str, int]) -> None:
    """The same change merged on the other forge: same head and merge commit SHAs."""
    number = next_number[twin.spec]
    next_number[twin.spec] = number + 1
    shift = timedelta(minutes=rng.randrange(5, 240))
    world.insert_pull(SimPull(
        platform=twin.platform, repo_path=twin.path, number=number, id=world.next_id("pull"), author=pull.author,
        title=pull.title, state="merged", created_at=pull.created_at + shift, updated_at=pull.updated_at + shift,
        merged_at=pull.merged_at + shift if pull.merged_at else None,
        closed_at=pull.closed_at + shift if pull.closed_at else None,
        merged_by=pull.merged_by if world.users[pull.merged_by or pull.author].login(twin.platform) else pull.author,
        additions=pull.additions, deletions=pull.deletions, changed_files=pull.changed_files, labels=pull.labels,
        merge_commit_sha=pull.merge_commit_sha, head_sha=pull.head_sha, head_ref=pull.head_ref,
        base_ref=twin.default_branch,
    ))
