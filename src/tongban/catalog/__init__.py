"""The shared data-resource catalog (政务数据资源共享目录): resources, data items, review and search."""
